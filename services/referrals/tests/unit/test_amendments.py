"""An EHR's update corrects a referral; it cannot turn it into another one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from referrals.domain.amendments import Amendment, revise
from referrals.domain.clock import FakeClock
from referrals.domain.crisis import CrisisDetails
from referrals.domain.errors import AmendmentRefused, InvalidStatusTransition, ReferralClosed
from referrals.domain.events import ReferralStatusChanged, ReferralUrgent
from referrals.domain.reasons import icd10
from referrals.domain.references import Reference, ReferenceKind
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Priority, ReferralStatus

from .conftest import MakeReferral, patient


def as_stored(referral: Referral) -> Amendment:
    return Amendment(
        patient_key=referral.patient.patient_key,
        status=referral.status,
        authored_on=referral.authored_on,
        routes=tuple(referral.routes),
        priority=referral.priority,
        crisis=referral.crisis,
        reasons=tuple(referral.reasons),
        requester=referral.requester,
        note=referral.arrivals[0].note,
        practice_code=referral.practice_code,
        locality=referral.locality,
        when_to_see=referral.when_to_see,
    )


def test_corrections_and_a_status_move_make_one_version(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.pull_events()
    change = replace(
        as_stored(referral),
        reasons=(icd10("R29.6"),),
        requester=Reference(ReferenceKind.ORGANIZATION, "M85011"),
        status=ReferralStatus.ON_HOLD,
    )
    changed = revise(
        referral,
        change,
        status_reason="awaiting bloods",
        at=clock.advance(timedelta(hours=1)),
        by="ehr-1",
    )
    assert changed == ["reasonCode", "requester", "status"]
    assert referral.version == 2 and referral.status is ReferralStatus.ON_HOLD
    [event] = referral.pull_events()
    assert isinstance(event, ReferralStatusChanged)
    assert (event.previous_status, event.status, event.changed_by) == ("active", "on-hold", "ehr-1")


def test_nothing_changed_is_not_a_new_version(referral_for: MakeReferral, clock: FakeClock) -> None:
    referral = referral_for()
    assert revise(referral, as_stored(referral), status_reason="", at=clock.now(), by="x") == []
    assert referral.version == 1


def test_urgent_upgrade_reaches_dispatch_once_and_never_goes_back(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.pull_events()
    crisis = CrisisDetails("SY1 1AB", "Found on the floor")
    urgent = replace(as_stored(referral), priority=Priority.URGENT, crisis=crisis)
    revise(referral, urgent, status_reason="", at=clock.now(), by="x")
    assert [type(e) for e in referral.pull_events()] == [ReferralUrgent]
    assert revise(referral, urgent, status_reason="", at=clock.now(), by="x") == []
    assert referral.pull_events() == []
    routine = replace(as_stored(referral), priority=Priority.ROUTINE, crisis=None)
    with pytest.raises(AmendmentRefused) as refused:
        revise(referral, routine, status_reason="", at=clock.now(), by="x")
    assert [p.field for p in refused.value.problems] == ["ServiceRequest.priority"]


def test_patient_date_and_routes_cannot_change_and_nothing_is_applied(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    change = replace(
        as_stored(referral),
        patient_key=patient(2).patient_key,
        authored_on=referral.authored_on - timedelta(days=3),
        routes=(),
        reasons=(icd10("R29.6"),),
    )
    with pytest.raises(AmendmentRefused) as refused:
        revise(referral, change, status_reason="", at=clock.now(), by="x")
    assert {p.field for p in refused.value.problems} == {
        "ServiceRequest.subject",
        "ServiceRequest.authoredOn",
        "ServiceRequest.category",
    }
    assert referral.version == 1 and referral.reasons != [icd10("R29.6")]


def test_a_closed_referral_is_not_corrected_or_reopened(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.revoke("withdrawn", at=clock.now())
    with pytest.raises(ReferralClosed):
        revise(
            referral,
            replace(as_stored(referral), note="late information"),
            status_reason="",
            at=clock.now(),
            by="x",
        )
    with pytest.raises(InvalidStatusTransition):
        revise(
            referral,
            replace(as_stored(referral), status=ReferralStatus.COMPLETED),
            status_reason="",
            at=clock.now(),
            by="x",
        )
