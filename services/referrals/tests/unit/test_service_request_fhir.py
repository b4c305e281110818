"""FHIR R4 ServiceRequest in and out: every rule named by the element that breaks it."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cch_fhir.schema import schema_errors
from referrals.domain.clock import FakeClock
from referrals.domain.decisions import ExclusionReason
from referrals.domain.deduplication import link_or_create
from referrals.domain.patients import PatientIdentity
from referrals.domain.references import practitioner
from referrals.domain.referrals import Referral
from referrals.domain.self_referral import SelfReferralForm, validate_self_referral
from referrals.domain.triage import exclude
from referrals.domain.vocabulary import (
    ICD_10,
    PATIENT_KEY_SYSTEM,
    ROUTE_SYSTEM,
    SNOMED_CT,
    Locality,
    Priority,
    ReferralRoute,
    ReferralStatus,
    Tier,
)
from referrals.fhir import extensions as ext
from referrals.fhir.service_request import (
    ParsedServiceRequest,
    parse_service_request,
    to_service_request,
)

from .conftest import START, MakeReferral, MakeRequest

NHS = "9434765919"
NOW = START


def key_for(nhs: str) -> str:
    return f"pk-{nhs}"


def body(**changes: Any) -> dict[str, Any]:
    """A valid GP referral; keyword changes replace top-level elements (None removes one)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://gp.example.nhs.uk/Id/referral", "value": "R-1"}],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": ROUTE_SYSTEM, "code": "gp"}]}],
        "priority": "routine",
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}},
        "authoredOn": "2024-03-28T10:15:00+01:00",
        "requester": {"reference": "Practitioner/dr-smith"},
        "reasonCode": [
            {"coding": [{"system": SNOMED_CT, "code": "13645005", "display": "COPD"}]},
            {"coding": [{"system": ICD_10, "code": "J44.1"}]},
        ],
        "extension": [
            {
                "url": ext.GP_PRACTICE,
                "valueIdentifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "m82001",
                },
            },
            {"url": ext.LOCALITY, "valueCode": "central"},
        ],
        "note": [{"text": "Frequent exacerbations"}],
    }
    for name, value in changes.items():
        if value is None:
            resource.pop(name, None)
        else:
            resource[name] = value
    return resource


def parse(resource: object, **kwargs: Any) -> ParsedServiceRequest:
    return parse_service_request(resource, now=NOW, patient_key_for=key_for, **kwargs)


def only_issue(resource: object, **kwargs: Any) -> tuple[str, str, str, int]:
    result = parse(resource, **kwargs)
    assert result.request is None
    errors = [i for i in result.issues if i.is_error]
    assert len(errors) == 1, errors
    issue = errors[0]
    return issue.code.value, issue.expression, issue.diagnostics, result.http_status


# --- parsing -------------------------------------------------------------------------------


def test_valid_referral_maps_to_the_domain() -> None:
    result = parse(body())
    assert result.ok and result.issues == ()
    request = result.request
    assert request is not None
    assert request.patient == PatientIdentity(f"pk-{NHS}", NHS)
    assert request.route is ReferralRoute.GP
    assert request.priority is Priority.ROUTINE
    assert request.requester.text == "Practitioner/dr-smith"
    assert [r.code for r in request.reasons] == ["13645005", "J44.1"]
    assert request.authored_on.isoformat() == "2024-03-28T09:15:00+00:00"
    assert request.practice_code == "M82001"
    assert request.locality is Locality.CENTRAL
    assert request.referrer_identifier is not None
    assert request.referrer_identifier.value == "R-1"
    assert request.note == "Frequent exacerbations"
    assert result.status is ReferralStatus.ACTIVE


def test_wrong_resource_type_is_a_400() -> None:
    code, expression, diagnostics, status = only_issue(body(resourceType="Patient"))
    assert (code, expression, status) == ("structure", "resourceType", 400)
    assert "Patient" in diagnostics
    assert only_issue([1, 2])[3] == 400


def test_unknown_element_and_bad_types_are_structural() -> None:
    result = parse(body(colour="blue", authoredOn="yesterday"))
    assert result.http_status == 400
    expressions = {i.expression for i in result.issues}
    assert {"ServiceRequest.colour", "ServiceRequest.authoredOn"} <= expressions
    assert result.operation_outcome()["resourceType"] == "OperationOutcome"


def test_missing_status_is_required() -> None:
    code, expression, _, status = only_issue(body(status=None))
    assert (code, expression, status) == ("required", "ServiceRequest.status", 400)


def test_nhs_number_failing_modulus_11_names_the_value() -> None:
    bad = {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"}}
    code, expression, diagnostics, status = only_issue(body(subject=bad))
    assert expression == "ServiceRequest.subject.identifier.value"
    assert (code, status) == ("value", 422)
    assert "Modulus 11" in diagnostics


def test_subject_identifier_from_another_system_is_refused() -> None:
    other = {"identifier": {"system": "https://example.org/mrn", "value": "123"}}
    assert only_issue(body(subject=other))[1] == "ServiceRequest.subject.identifier.system"


def test_subject_by_patient_key_or_resolvable_reference() -> None:
    by_key = parse(body(subject={"identifier": {"system": PATIENT_KEY_SYSTEM, "value": "pk-9"}}))
    assert by_key.request is not None
    assert by_key.request.patient == PatientIdentity("pk-9")
    known = PatientIdentity("pk-7", NHS)
    resolved = parse(
        body(subject={"reference": "Patient/p7"}),
        resolve_patient=lambda ident: known if ident == "p7" else None,
    )
    assert resolved.request is not None and resolved.request.patient == known
    code, expression, _, _ = only_issue(body(subject={"reference": "Patient/nobody"}))
    assert (code, expression) == ("not-found", "ServiceRequest.subject.reference")
    assert only_issue(body(subject={"reference": "Group/1"}))[1] == (
        "ServiceRequest.subject.reference"
    )


def test_subject_as_contained_patient_with_nhs_number() -> None:
    contained = [
        {
            "resourceType": "Patient",
            "id": "pat",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
        }
    ]
    result = parse(body(contained=contained, subject={"reference": "#pat"}))
    assert result.request is not None
    assert result.request.patient.nhs_number == NHS


def test_route_must_come_from_our_codesystem() -> None:
    unknown = [{"coding": [{"system": ROUTE_SYSTEM, "code": "carrier-pigeon"}]}]
    code, expression, _, _ = only_issue(body(category=unknown))
    assert (code, expression) == ("code-invalid", "ServiceRequest.category[0].coding[0].code")
    other_system = [{"coding": [{"system": SNOMED_CT, "code": "3457005"}]}]
    assert only_issue(body(category=other_system))[:2] == ("required", "ServiceRequest.category")
    two = [
        {"coding": [{"system": ROUTE_SYSTEM, "code": "gp"}]},
        {"coding": [{"system": ROUTE_SYSTEM, "code": "self"}]},
    ]
    assert only_issue(body(category=two))[:2] == ("value", "ServiceRequest.category")


def test_every_route_code_is_accepted() -> None:
    for route in ReferralRoute:
        requester = "Patient/p1" if route is ReferralRoute.SELF else "Organization/o1"
        result = parse(
            body(
                category=[{"coding": [{"system": ROUTE_SYSTEM, "code": route.value}]}],
                requester={"reference": requester},
            )
        )
        assert result.request is not None and result.request.route is route


def test_unknown_reason_code_system_names_the_field() -> None:
    reasons = [
        {"coding": [{"system": SNOMED_CT, "code": "13645005"}]},
        {
            "coding": [
                {"system": SNOMED_CT, "code": "44054006"},
                {"system": "http://read.info/ctv3", "code": "C10F."},
            ]
        },
    ]
    code, expression, diagnostics, status = only_issue(body(reasonCode=reasons))
    assert expression == "ServiceRequest.reasonCode[1].coding[1].system"
    assert (code, status) == ("code-invalid", 422)
    assert "http://read.info/ctv3" in diagnostics


def test_reason_codes_must_be_real_codes_of_their_system() -> None:
    bad_snomed = [{"coding": [{"system": SNOMED_CT, "code": "13645006"}]}]
    assert (
        only_issue(body(reasonCode=bad_snomed))[1] == "ServiceRequest.reasonCode[0].coding[0].code"
    )
    bad_icd = [{"coding": [{"system": ICD_10, "code": "COPD"}]}]
    assert only_issue(body(reasonCode=bad_icd))[0] == "code-invalid"
    text_only = [{"text": "breathless"}]
    assert only_issue(body(reasonCode=text_only))[1] == "ServiceRequest.reasonCode[0].coding"


def test_priority_is_routine_or_urgent() -> None:
    code, expression, diagnostics, _ = only_issue(body(priority="stat"))
    assert (code, expression) == ("code-invalid", "ServiceRequest.priority")
    assert "urgent" in diagnostics
    assert parse(body(priority=None)).request is not None


def test_urgent_referral_needs_crisis_details() -> None:
    code, expression, _, _ = only_issue(body(priority="urgent"))
    assert code == "required"
    assert expression == f"ServiceRequest.extension.where(url='{ext.CRISIS}')"
    crisis = {
        "url": ext.CRISIS,
        "extension": [
            {"url": "postcode", "valueString": "sy38xq"},
            {"url": "reason", "valueString": "Fallen, cannot get up"},
        ],
    }
    result = parse(body(priority="urgent", extension=[crisis]))
    assert result.request is not None and result.request.crisis is not None
    assert result.request.crisis.postcode == "SY3 8XQ"
    bad_postcode = copy.deepcopy(crisis)
    bad_postcode["extension"][0]["valueString"] = "nowhere"
    assert only_issue(body(priority="urgent", extension=[bad_postcode]))[0] == "value"
    assert only_issue(body(extension=[crisis]))[0] == "business-rule"


def test_requester_must_be_practitioner_or_organisation() -> None:
    code, expression, _, _ = only_issue(body(requester={"reference": "Device/d1"}))
    assert (code, expression) == ("value", "ServiceRequest.requester.reference")
    assert only_issue(body(requester={"reference": "Patient/p1"}))[0] == "value"
    assert only_issue(body(requester=None))[:2] == (
        "required",
        "ServiceRequest.requester.reference",
    )
    assert parse(body(requester={"reference": "PractitionerRole/r1"})).ok


def test_authored_on_in_the_future_is_refused() -> None:
    future = (NOW + timedelta(hours=1)).isoformat()
    code, expression, diagnostics, _ = only_issue(body(authoredOn=future))
    assert (code, expression) == ("value", "ServiceRequest.authoredOn")
    assert "future" in diagnostics
    tomorrow = (NOW.date() + timedelta(days=1)).isoformat()
    assert only_issue(body(authoredOn=tomorrow))[1] == "ServiceRequest.authoredOn"
    assert parse(body(authoredOn=NOW.date().isoformat())).ok
    assert only_issue(body(authoredOn="2024-03"))[0] == "value"
    assert only_issue(body(authoredOn="2024-03-28T10:15:00"))[::3] == ("structure", 400)
    assert only_issue(body(authoredOn=None))[0] == "required"


def test_identifier_is_required_for_conditional_create() -> None:
    code, expression, _, _ = only_issue(body(identifier=None))
    assert (code, expression) == ("required", "ServiceRequest.identifier")
    assert parse(body(identifier=None), require_identifier=False).ok


def test_new_referral_must_be_draft_or_active_with_a_referral_intent() -> None:
    assert only_issue(body(status="completed"))[:2] == ("business-rule", "ServiceRequest.status")
    assert parse(body(status="completed"), creating=False).ok
    assert only_issue(body(status="bogus"))[0] == "code-invalid"
    assert only_issue(body(intent="reflex-order"))[1] == "ServiceRequest.intent"


def test_locality_tier_and_practice_extensions_are_checked() -> None:
    bad = [{"url": ext.LOCALITY, "valueCode": "east"}]
    assert only_issue(body(extension=bad))[0] == "code-invalid"
    practice = [{"url": ext.GP_PRACTICE, "valueIdentifier": {"value": "not a code"}}]
    assert only_issue(body(extension=practice))[1] == ext.where(ext.GP_PRACTICE)
    tier = parse(body(extension=[{"url": ext.RISK_TIER, "valueCode": "highest"}]))
    assert tier.request is not None and tier.request.tier is Tier.HIGHEST


def test_modifier_extensions_and_do_not_perform_are_not_supported() -> None:
    modifier = [{"url": "https://example.org/negate", "valueBoolean": True}]
    assert only_issue(body(modifierExtension=modifier))[0] == "not-supported"
    assert only_issue(body(doNotPerform=True))[0] == "not-supported"


def test_all_rule_breaks_are_reported_together() -> None:
    result = parse(body(priority="asap", authoredOn="2099-01-01", identifier=None))
    assert result.http_status == 422
    assert {i.expression for i in result.issues} == {
        "ServiceRequest.priority",
        "ServiceRequest.authoredOn",
        "ServiceRequest.identifier",
    }


# --- rendering -----------------------------------------------------------------------------


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
