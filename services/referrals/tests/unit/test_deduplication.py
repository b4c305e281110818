"""One open referral per patient per programme: a second route is linked, not duplicated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals.domain.clock import FakeClock
from referrals.domain.deduplication import ArrivalOutcome, link_or_create
from referrals.domain.errors import IdentifierConflict
from referrals.domain.events import ReferralReceived, ReferralUrgent
from referrals.domain.reasons import icd10
from referrals.domain.referral_requests import ReferrerIdentifier
from referrals.domain.vocabulary import Priority, ReferralRoute, ReferralStatus, Tier

from .conftest import GP_SYSTEM, MakeReferral, MakeRequest, patient


def test_first_referral_creates_a_new_one(request_for: MakeRequest, clock: FakeClock) -> None:
    result = link_or_create(
        request_for(), existing=[], referral_id="ref-9", received_at=clock.now()
    )
    assert result.outcome is ArrivalOutcome.CREATED
    assert result.referral.referral_id == "ref-9"


def test_second_route_links_to_open_referral_keeping_both_routes(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    open_one = referral_for(route=ReferralRoute.PREDICTIVE, tier=Tier.HIGH, identifier=None)
    open_one.pull_events()
    later = clock.advance(timedelta(days=2))
    result = link_or_create(
        request_for(route=ReferralRoute.AE_FIT, reasons=(icd10("R29.6"),)),
        existing=[open_one],
        referral_id="unused",
        received_at=later,
    )
    assert result.outcome is ArrivalOutcome.LINKED
    assert result.referral is open_one
    assert open_one.routes == [ReferralRoute.PREDICTIVE, ReferralRoute.AE_FIT]
    assert open_one.route is ReferralRoute.PREDICTIVE
    assert len(open_one.arrivals) == 2
    assert icd10("R29.6") in open_one.reasons
    assert open_one.version == 2
    (event,) = open_one.pull_events()
    assert isinstance(event, ReferralReceived)
    assert event.linked_to_open_referral is True
    assert event.route is ReferralRoute.AE_FIT
    assert event.routes == (ReferralRoute.PREDICTIVE, ReferralRoute.AE_FIT)


def test_same_route_twice_links_without_repeating_the_route(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    open_one = referral_for()
    link_or_create(request_for(), existing=[open_one], referral_id="x", received_at=clock.now())
    assert open_one.routes == [ReferralRoute.GP]
    assert len(open_one.arrivals) == 2


def test_urgent_link_escalates_priority_and_alerts_dispatch(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    open_one = referral_for()
    open_one.pull_events()
    link_or_create(
        request_for(route=ReferralRoute.OTHER_CLINICIAN, priority=Priority.URGENT),
        existing=[open_one],
        referral_id="x",
        received_at=clock.now(),
    )
    assert open_one.priority is Priority.URGENT
    assert open_one.crisis is not None
    assert any(isinstance(e, ReferralUrgent) for e in open_one.pull_events())


def test_routine_link_never_downgrades_an_urgent_referral(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    urgent = referral_for(priority=Priority.URGENT)
    link_or_create(request_for(), existing=[urgent], referral_id="x", received_at=clock.now())
    assert urgent.priority is Priority.URGENT


def test_link_keeps_the_higher_tier_and_fills_missing_details(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    open_one = referral_for(tier=Tier.HIGH, practice_code=None, locality=None)
    link_or_create(
        request_for(route=ReferralRoute.PREDICTIVE, tier=Tier.HIGHEST),
        existing=[open_one],
        referral_id="x",
        received_at=clock.now(),
    )
    assert open_one.tier is Tier.HIGHEST
    assert open_one.practice_code == "M82001"
    assert open_one.locality is not None


def test_closed_referral_is_not_linked_a_new_one_opens(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    old = referral_for()
    old.revoke("withdrawn by GP", at=clock.now())
    result = link_or_create(
        request_for(), existing=[old], referral_id="new", received_at=clock.now()
    )
    assert result.outcome is ArrivalOutcome.CREATED
    assert old.status is ReferralStatus.REVOKED


def test_other_patients_and_other_programmes_are_not_linked(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    someone_else = referral_for(who=patient(2))
    other_programme = referral_for(programme="falls-prevention")
    result = link_or_create(
        request_for(),
        existing=[someone_else, other_programme],
        referral_id="new",
        received_at=clock.now(),
    )
    assert result.outcome is ArrivalOutcome.CREATED


def test_same_referrer_identifier_is_already_received_and_changes_nothing(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    identifier = ReferrerIdentifier(GP_SYSTEM, "R-77")
    first = referral_for(identifier=identifier)
    first.revoke("closed", at=clock.now())  # even a closed one answers a retry
    version = first.version
    result = link_or_create(
        request_for(identifier=identifier),
        existing=[first],
        referral_id="x",
        received_at=clock.now(),
    )
    assert result.outcome is ArrivalOutcome.ALREADY_RECEIVED
    assert result.referral is first
    assert first.version == version


def test_linked_referral_is_found_by_its_own_identifier(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    open_one = referral_for()
    second = request_for(identifier=ReferrerIdentifier("https://ae.example/Id", "AE-1"))
    link_or_create(second, existing=[open_one], referral_id="x", received_at=clock.now())
    again = link_or_create(second, existing=[open_one], referral_id="y", received_at=clock.now())
    assert again.outcome is ArrivalOutcome.ALREADY_RECEIVED
    assert len(open_one.arrivals) == 2


def test_identifier_reused_for_another_patient_is_a_conflict(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    identifier = ReferrerIdentifier(GP_SYSTEM, "R-5")
    first = referral_for(identifier=identifier)
    with pytest.raises(IdentifierConflict):
        link_or_create(
            request_for(who=patient(3), identifier=identifier),
            existing=[first],
            referral_id="x",
            received_at=clock.now(),
        )


def test_when_several_are_open_the_oldest_takes_the_link(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    older = referral_for()
    clock.advance(timedelta(days=1))
    newer = referral_for()
    result = link_or_create(
        request_for(), existing=[newer, older], referral_id="x", received_at=clock.now()
    )
    assert result.referral is older
