"""FHIR R4 ServiceRequest out: every referral renders as valid R4 with what the referrer sent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cch_fhir.schema import schema_errors
from referrals.domain.clock import FakeClock
from referrals.domain.decisions import ExclusionReason
from referrals.domain.deduplication import link_or_create
from referrals.domain.references import practitioner
from referrals.domain.referrals import Referral
from referrals.domain.self_referral import SelfReferralForm, validate_self_referral
from referrals.domain.triage import exclude
from referrals.domain.vocabulary import SNOMED_CT, Priority, ReferralRoute, ReferralStatus, Tier
from referrals.fhir import extensions as ext
from referrals.fhir.service_request import to_service_request

from .conftest import START, MakeReferral, MakeRequest
from .fhir_bodies import NOW, body, parse


def assert_valid_r4(resource: dict[str, Any]) -> None:
    ServiceRequest.model_validate(resource)
    assert schema_errors(resource) == []


def test_rendered_referral_validates_and_carries_the_essentials(
    referral_for: MakeReferral,
) -> None:
    resource = to_service_request(referral_for(tier=Tier.HIGH))
    assert_valid_r4(resource)
    assert resource["meta"] == {"versionId": "1", "lastUpdated": "2024-04-01T09:00:00.000Z"}
    assert resource["status"] == "active"
    assert resource["intent"] == "order"
    assert resource["priority"] == "routine"
    assert resource["category"][0]["coding"][0]["code"] == "gp"
    assert resource["subject"]["identifier"]["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    assert resource["requester"] == {"reference": "Practitioner/g1"}
    assert resource["reasonCode"][0]["coding"][0]["system"] == SNOMED_CT
    assert resource["authoredOn"] == "2024-04-01T07:00:00.000Z"
    assert resource["identifier"][0]["value"].startswith("R-")


def test_predictive_referral_is_a_plan(referral_for: MakeReferral) -> None:
    resource = to_service_request(referral_for(route=ReferralRoute.PREDICTIVE, identifier=None))
    assert_valid_r4(resource)
    assert resource["intent"] == "plan"
    assert "identifier" not in resource


def test_linked_routes_appear_as_categories_extension_note_and_identifiers(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    referral = referral_for(route=ReferralRoute.PREDICTIVE, tier=Tier.HIGHEST)
    clock.advance(timedelta(days=1))
    link_or_create(
        request_for(route=ReferralRoute.AE_FIT, priority=Priority.URGENT),
        existing=[referral],
        referral_id="x",
        received_at=clock.now(),
    )
    resource = to_service_request(referral)
    assert_valid_r4(resource)
    assert [c["coding"][0]["code"] for c in resource["category"]] == ["predictive", "ae-fit"]
    assert resource["meta"]["versionId"] == "2"
    assert resource["priority"] == "urgent"
    linked = [e for e in resource["extension"] if e["url"] == ext.LINKED_REFERRAL]
    assert len(linked) == 1
    assert any("Linked referral" in n["text"] for n in resource["note"])
    assert len(resource["identifier"]) == 2
    crisis = next(e for e in resource["extension"] if e["url"] == ext.CRISIS)
    assert crisis["extension"][0]["valueString"] == "SY3 8XQ"


def test_excluded_referral_renders_as_revoked(referral_for: MakeReferral, clock: FakeClock) -> None:
    referral = referral_for()
    exclude(
        referral,
        reason=ExclusionReason.DECLINED,
        reason_text="",
        decided_by=practitioner("gp"),
        clock=clock,
    )
    resource = to_service_request(referral)
    assert_valid_r4(resource)
    assert resource["status"] == "revoked"
    assert resource["meta"]["versionId"] == "2"


def test_self_referral_without_nhs_number_contains_the_patient() -> None:
    form = SelfReferralForm(
        given_name="Ann",
        family_name="Jones",
        birth_date=date(1950, 1, 2),
        postcode="sy1 1ab",
        reason="Struggling at home since my fall",
        consent=True,
        email="ann@example.org",
    )
    referral = validate_self_referral(form, now=START).to_referral(
        referral_id="ref-s", patient_key="pk-s", patient_id="p-s"
    )
    resource = to_service_request(referral)
    assert_valid_r4(resource)
    assert resource["subject"] == {"reference": "#patient", "type": "Patient"}
    patient = resource["contained"][0]
    assert patient["address"][0]["postalCode"] == "SY1 1AB"
    assert patient["telecom"] == [{"system": "email", "value": "ann@example.org"}]
    assert resource["requester"] == {"reference": "Patient/p-s"}


def test_round_trip_keeps_what_the_referrer_sent() -> None:
    request = parse(body()).request
    assert request is not None
    referral = Referral.open(request, referral_id="ref-1", received_at=NOW)
    resource = to_service_request(referral)
    assert_valid_r4(resource)
    again = parse(resource, creating=False).request
    assert again is not None
    assert (again.patient, again.route, again.reasons, again.practice_code, again.locality) == (
        request.patient,
        request.route,
        request.reasons,
        request.practice_code,
        request.locality,
    )
    assert again.referrer_identifier == request.referrer_identifier


@pytest.mark.parametrize("status", list(ReferralStatus))
def test_every_status_renders_valid_r4(referral_for: MakeReferral, status: ReferralStatus) -> None:
    referral = referral_for()
    referral.status = status
    assert_valid_r4(to_service_request(referral))
