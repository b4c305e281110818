"""The Referral aggregate: what a referral must carry and how its status may move."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals.domain.clock import FakeClock
from referrals.domain.crisis import CrisisDetails
from referrals.domain.errors import (
    InvalidNhsNumber,
    InvalidPostcode,
    InvalidReasonCode,
    InvalidReference,
    InvalidReferral,
    InvalidStatusTransition,
    ReferralClosed,
    UnknownCodeSystem,
    VersionConflict,
)
from referrals.domain.events import ReferralReceived, ReferralStatusChanged, ReferralUrgent
from referrals.domain.patients import PatientIdentity
from referrals.domain.reasons import CodedReason, icd10, snomed
from referrals.domain.references import Reference, ReferenceKind
from referrals.domain.referral_requests import ReferralRequest
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import ICD_10, SNOMED_CT, Priority, ReferralRoute, ReferralStatus

from .conftest import START, MakeReferral, MakeRequest, patient


def test_new_referral_is_active_version_one_and_announced(referral_for: MakeReferral) -> None:
    referral = referral_for()
    assert referral.status is ReferralStatus.ACTIVE
    assert referral.version == 1
    assert referral.routes == [ReferralRoute.GP]
    assert referral.received_at == START
    (event,) = referral.pull_events()
    assert isinstance(event, ReferralReceived)
    assert event.linked_to_open_referral is False
    assert referral.pull_events() == []


def test_urgent_referral_announces_the_crisis_for_dispatch(referral_for: MakeReferral) -> None:
    referral = referral_for(priority=Priority.URGENT)
    urgent = [e for e in referral.pull_events() if isinstance(e, ReferralUrgent)]
    assert len(urgent) == 1
    assert urgent[0].postcode == "SY3 8XQ"
    assert urgent[0].received_at == START


def test_urgent_referral_without_crisis_details_is_refused(request_for: MakeRequest) -> None:
    base = request_for()
    with pytest.raises(InvalidReferral, match="crisis details"):
        ReferralRequest(
            patient=base.patient,
            route=base.route,
            requester=base.requester,
            authored_on=base.authored_on,
            priority=Priority.URGENT,
        )


def test_crisis_details_on_a_routine_referral_are_refused(request_for: MakeRequest) -> None:
    with pytest.raises(InvalidReferral, match="only with an urgent"):
        request_for(crisis=CrisisDetails("SY1 1AB", "Short of breath"))


def test_crisis_postcode_is_normalised_and_checked() -> None:
    assert CrisisDetails(" sy11ab ", "Fall").postcode == "SY1 1AB"
    with pytest.raises(InvalidPostcode):
        CrisisDetails("12345", "Fall")
    with pytest.raises(InvalidReferral):
        CrisisDetails("SY1 1AB", "   ")
    with pytest.raises(InvalidReferral):
        CrisisDetails("SY1 1AB", "x" * 1001)


def test_patient_nhs_number_must_pass_modulus_11() -> None:
    assert PatientIdentity("pk", "943 476 5919").nhs_number == "9434765919"
    with pytest.raises(InvalidNhsNumber):
        PatientIdentity("pk", "9434765918")
    with pytest.raises(InvalidReferral):
        PatientIdentity("  ", "9434765919")


def test_reasons_come_only_from_snomed_ct_or_icd_10() -> None:
    assert snomed("44054006").system == SNOMED_CT
    assert icd10("J44.1").system == ICD_10
    with pytest.raises(UnknownCodeSystem, match=r"read\.info"):
        CodedReason("http://read.info/ctv3", "XaIND")
    with pytest.raises(InvalidReasonCode):
        snomed("13645006")  # wrong Verhoeff check digit
    with pytest.raises(InvalidReasonCode):
        icd10("44054006")


def test_requester_must_be_practitioner_or_organisation_except_for_self_referral(
    request_for: MakeRequest,
) -> None:
    as_patient = Reference(ReferenceKind.PATIENT, "p1")
    with pytest.raises(InvalidReferral, match="cannot be requested by Patient"):
        request_for(requester=as_patient)
    assert request_for(route=ReferralRoute.SELF, requester=as_patient).requester == as_patient


def test_reference_parsing_refuses_other_resource_types() -> None:
    assert Reference.parse("Practitioner/abc-1").text == "Practitioner/abc-1"
    for bad in ("Device/1", "Practitioner", "Practitioner/a/b", "Practitioner/a b"):
        with pytest.raises(InvalidReference):
            Reference.parse(bad)


def test_referral_authored_after_receipt_is_refused(request_for: MakeRequest) -> None:
    request = request_for(authored_on=START + timedelta(hours=1))
    with pytest.raises(InvalidReferral, match="future"):
        Referral.open(request, referral_id="r", received_at=START)


def test_authored_a_few_minutes_late_is_clock_skew_not_an_error(request_for: MakeRequest) -> None:
    request = request_for(authored_on=START + timedelta(minutes=3))
    assert Referral.open(request, referral_id="r", received_at=START).is_open


def test_hold_resume_and_revoke_move_status_and_version(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.pull_events()
    referral.put_on_hold("awaiting GP summary", at=clock.advance(timedelta(hours=1)))
    assert referral.status is ReferralStatus.ON_HOLD and referral.is_open
    referral.resume(at=clock.advance(timedelta(hours=1)))
    referral.revoke("patient moved away", at=clock.advance(timedelta(hours=1)))
    assert referral.status is ReferralStatus.REVOKED and not referral.is_open
    assert referral.version == 4
    assert referral.last_updated == clock.now()
    events = referral.pull_events()
    assert [e.status for e in events if isinstance(e, ReferralStatusChanged)] == [
        "on-hold",
        "active",
        "revoked",
    ]


def test_entered_in_error_is_final(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    referral = referral_for()
    referral.mark_entered_in_error("wrong patient", at=clock.now())
    with pytest.raises(InvalidStatusTransition):
        referral.resume(at=clock.now())
    with pytest.raises(ReferralClosed):
        referral.link(request_for(route=ReferralRoute.OTHER_CLINICIAN), received_at=clock.now())


def test_stale_version_is_a_conflict(referral_for: MakeReferral) -> None:
    referral = referral_for()
    referral.expect_version(1)
    with pytest.raises(VersionConflict) as caught:
        referral.expect_version(0)
    assert caught.value.code == "version-conflict"
    assert caught.value.current == 1


def test_naive_datetimes_are_refused(request_for: MakeRequest) -> None:
    with pytest.raises(ValueError, match="timezone"):
        request_for(authored_on=START.replace(tzinfo=None))


def test_practice_code_is_upper_cased_and_checked(request_for: MakeRequest) -> None:
    assert request_for(practice_code=" m82001 ").practice_code == "M82001"
    with pytest.raises(InvalidReferral):
        request_for(practice_code="not a code!")


def test_other_patient_cannot_be_linked(
    referral_for: MakeReferral, request_for: MakeRequest
) -> None:
    referral = referral_for()
    with pytest.raises(InvalidReferral, match="same patient"):
        referral.link(request_for(who=patient(2)), received_at=START)
