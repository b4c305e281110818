from datetime import UTC, datetime, timedelta

from dispatch.domain.compliance import ResponseRecord, compliance_report, figures
from dispatch.domain.vocabulary import Locality

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST


def rec(i, minutes, *, locality=Locality.NORTH, at=T0, cancelled_after=None):
    return ResponseRecord(
        request_id=f"R{i}",
        received_at=at,
        arrived_at=None if minutes is None else at + timedelta(minutes=minutes),
        cancelled_at=None if cancelled_after is None else at + timedelta(minutes=cancelled_after),
        locality=locality,
    )


def test_share_within_120_minutes_and_response_time_distribution():
    f = figures([rec(i, m) for i, m in enumerate([30, 60, 90, 120, 150])])
    assert f.counted == 5 and f.within == 4 and f.pct_within == 80.0
    assert f.mean_min == 90.0 and f.median_min == 90.0
    assert [b.request_id for b in f.breaches] == ["R4"]


def test_cancelled_before_deadline_is_excluded_but_after_deadline_is_a_breach():
    f = figures([rec(1, 40), rec(2, None, cancelled_after=30), rec(3, None, cancelled_after=150)])
    assert f.counted == 2 and f.excluded == 1 and f.within == 1
    assert f.breaches[0].request_id == "R3" and f.breaches[0].response_min is None


def test_open_request_past_deadline_counts_as_breach_as_of_report_time():
    late = figures([rec(1, None)], as_of=T0 + timedelta(hours=3))
    early = figures([rec(1, None)], as_of=T0 + timedelta(hours=1))
    assert len(late.breaches) == 1 and early.counted == 0


def test_report_groups_by_uk_local_day_hour_and_locality():
    records = [
        rec(1, 30),
        rec(2, 130, locality=Locality.SOUTH),
        rec(3, 45, at=T0 + timedelta(days=1)),
    ]
    report = compliance_report(records)
    assert report.by_hour[10].counted == 3
    assert report.by_locality[Locality.SOUTH].pct_within == 0.0
    assert sorted(d.day for d in report.by_day) == [1, 2]


def test_request_lifecycle_becomes_a_record(new_request):
    request = new_request(at=T0)
    request.assign("C1", T0)
    request.accept("C1", T0)
    request.arrive("C1", T0 + timedelta(minutes=75))
    record = ResponseRecord.of(request, Locality.CENTRAL)
    assert record.response_min == 75.0 and record.locality is Locality.CENTRAL
