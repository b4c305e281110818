from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.errors import ClockAlreadyStopped, NaiveTimestamp, TimestampOutOfOrder
from dispatch.domain.sla import SlaClock, SlaEventKind, SlaWarnings

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_deadline_is_two_hours_after_the_referral_is_received():
    assert SlaClock(received_at=T0).deadline == T0 + timedelta(minutes=120)


def test_time_left_counts_down_and_goes_negative_after_the_deadline():
    clock = SlaClock(received_at=T0)
    assert clock.time_left(T0 + timedelta(minutes=45)) == timedelta(minutes=75)
    assert clock.time_left(T0 + timedelta(minutes=130)) == timedelta(minutes=-10)


def test_arrival_at_exactly_120_minutes_counts_as_met():
    clock = SlaClock(received_at=T0).stop(T0 + timedelta(minutes=120))
    assert clock.met and not clock.breached(T0 + timedelta(hours=5))


def test_arrival_one_minute_late_is_a_breach_and_the_clock_stays_frozen():
    clock = SlaClock(received_at=T0).stop(T0 + timedelta(minutes=121))
    assert not clock.met and clock.breached(T0 + timedelta(minutes=121))
    assert clock.time_left(T0 + timedelta(hours=9)) == timedelta(minutes=-1)
    assert clock.response_time == timedelta(minutes=121)


def test_clock_stops_only_once():
    clock = SlaClock(received_at=T0).stop(T0 + timedelta(minutes=30))
    with pytest.raises(ClockAlreadyStopped):
        clock.stop(T0 + timedelta(minutes=40))


def test_arrival_before_receipt_is_refused():
    with pytest.raises(TimestampOutOfOrder):
        SlaClock(received_at=T0, arrived_at=T0 - timedelta(minutes=1))


def test_naive_timestamps_are_refused():
    with pytest.raises(NaiveTimestamp):
        SlaClock(received_at=datetime(2025, 1, 6, 9, 0))


def test_at_risk_when_projected_arrival_would_miss_the_deadline():
    clock = SlaClock(received_at=T0)
    now = T0 + timedelta(minutes=10)
    assert clock.at_risk(now, projected_arrival=T0 + timedelta(minutes=125))
    assert not clock.at_risk(now, projected_arrival=T0 + timedelta(minutes=60))


def test_at_risk_when_little_time_is_left_and_nobody_has_arrived():
    clock = SlaClock(received_at=T0)
    assert clock.at_risk(T0 + timedelta(minutes=95), margin=timedelta(minutes=30))
    assert not clock.at_risk(T0 + timedelta(minutes=85), margin=timedelta(minutes=30))


def test_not_at_risk_once_arrived_or_already_breached():
    arrived = SlaClock(received_at=T0).stop(T0 + timedelta(minutes=100))
    assert not arrived.at_risk(T0 + timedelta(minutes=110))
    assert not SlaClock(received_at=T0).at_risk(T0 + timedelta(minutes=121))


def test_warnings_fire_at_risk_then_breach_each_once():
    warnings = SlaWarnings(margin=timedelta(minutes=30))
    clock = SlaClock(received_at=T0)
    quiet = warnings.due(
        clock,
        T0 + timedelta(minutes=60),
        projected_arrival=None,
        at_risk_warned_at=None,
        breached_at=None,
    )
    assert quiet == []
    warned_at = T0 + timedelta(minutes=95)
    first = warnings.due(
        clock, warned_at, projected_arrival=None, at_risk_warned_at=None, breached_at=None
    )
    assert [w.kind for w in first] == [SlaEventKind.AT_RISK]
    again = warnings.due(
        clock,
        T0 + timedelta(minutes=100),
        projected_arrival=None,
        at_risk_warned_at=warned_at,
        breached_at=None,
    )
    assert again == []
    late = warnings.due(
        clock,
        T0 + timedelta(minutes=121),
        projected_arrival=None,
        at_risk_warned_at=warned_at,
        breached_at=None,
    )
    assert [w.kind for w in late] == [SlaEventKind.BREACHED]
    after = warnings.due(
        clock,
        T0 + timedelta(minutes=150),
        projected_arrival=None,
        at_risk_warned_at=warned_at,
        breached_at=T0 + timedelta(minutes=121),
    )
    assert after == []


def test_breach_detected_late_does_not_also_fire_a_stale_at_risk():
    fired = SlaWarnings().due(
        SlaClock(received_at=T0),
        T0 + timedelta(minutes=200),
        projected_arrival=None,
        at_risk_warned_at=None,
        breached_at=None,
    )
    assert [w.kind for w in fired] == [SlaEventKind.BREACHED]


def test_late_arrival_without_a_breach_warning_still_reports_the_breach():
    clock = SlaClock(received_at=T0).stop(T0 + timedelta(minutes=130))
    fired = SlaWarnings().due(
        clock,
        T0 + timedelta(minutes=131),
        projected_arrival=None,
        at_risk_warned_at=T0,
        breached_at=None,
    )
    assert [w.kind for w in fired] == [SlaEventKind.BREACHED]
    assert "10 min after" in fired[0].reason
