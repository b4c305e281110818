"""The stored JSON state restores a referral exactly: routes, arrivals, decisions, crisis."""

from datetime import UTC, date, datetime, timedelta

import pytest

from referrals.adapters.referral_search import date_range
from referrals.adapters.referral_state import from_state, to_state
from referrals.domain.clock import FakeClock
from referrals.domain.crisis import CrisisDetails
from referrals.domain.decisions import ExclusionReason
from referrals.domain.patients import PatientIdentity, SubmittedDemographics
from referrals.domain.reasons import icd10, snomed
from referrals.domain.references import organisation, practitioner
from referrals.domain.referral_requests import ReferralRequest, ReferrerIdentifier
from referrals.domain.referrals import Referral
from referrals.domain.triage import exclude, reverse
from referrals.domain.vocabulary import Locality, Priority, ReferralRoute, Tier
from referrals.service_layer.publishing import to_payload

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _request(route: ReferralRoute = ReferralRoute.GP, **changes: object) -> ReferralRequest:
    values: dict[str, object] = {
        "patient": PatientIdentity("pk-abc", "9434765919"),
        "route": route,
        "requester": practitioner("gp-1"),
        "authored_on": T0 - timedelta(hours=1),
        "reasons": (snomed("44054006", "Diabetes"), icd10("J44.1")),
        "practice_code": "M82001",
        "locality": Locality.NORTH,
        "referrer_identifier": ReferrerIdentifier("https://gp.example/Id", "r-1"),
        "tier": Tier.HIGH,
        "demographics": SubmittedDemographics(
            given_name="Ada",
            family_name="Lovelace",
            birth_date=date(1940, 12, 10),
            postcode="SY3 8XL",
            phone="+447700900123",
        ),
        "note": "lives alone",
    }
    values.update(changes)
    return ReferralRequest(**values)  # type: ignore[arg-type]


def test_a_linked_excluded_and_reversed_referral_survives_the_round_trip() -> None:
    clock = FakeClock(T0)
    referral = Referral.open(_request(), referral_id="r-1", received_at=T0)
    urgent = _request(
        ReferralRoute.AE_FIT,
        requester=organisation("RXW"),
        priority=Priority.URGENT,
        crisis=CrisisDetails("sy1 1ab", "fall"),
        referrer_identifier=ReferrerIdentifier("https://ae.example/Id", "a-9"),
    )
    referral.link(urgent, received_at=clock.advance(timedelta(hours=1)))
    clock.advance(timedelta(days=1))
    exclude(
        referral,
        reason=ExclusionReason.LOW_NEED,
        reason_text="well supported",
        decided_by=practitioner("cm-1"),
        clock=clock,
    )
    reverse(referral, reason="new information", reversed_by=practitioner("cm-1"), clock=clock)

    restored = from_state(to_state(referral))

    assert to_state(restored) == to_state(referral)
    assert restored.routes == [ReferralRoute.GP, ReferralRoute.AE_FIT]
    assert restored.crisis == CrisisDetails("SY1 1AB", "fall")
    assert restored.standing_decision is None and len(restored.decisions) == 2
    assert restored.version == referral.version


def test_every_collected_event_with_a_contract_becomes_a_payload() -> None:
    referral = Referral.open(
        _request(priority=Priority.URGENT, crisis=CrisisDetails("SY2 6FG", "chest pain")),
        referral_id="r-2",
        received_at=T0,
    )
    payloads = [to_payload(e) for e in referral.pull_events()]
    assert [p.event_type for p in payloads if p] == [
        "cch.referral.received.v1",
        "cch.referral.urgent.v1",
    ]


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2026", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-02", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-02-28", datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_a_search_date_covers_its_whole_precision(
    value: str, start: datetime, end: datetime
) -> None:
    assert date_range(value) == (start, end)
