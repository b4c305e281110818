"""FHIR R4 ServiceRequest in: every rule named by the element that breaks it."""

from __future__ import annotations

import copy
from datetime import timedelta

from referrals.domain.patients import PatientIdentity
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

from .fhir_bodies import NHS, NOW, body, only_issue, parse


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
