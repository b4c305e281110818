"""Incoming resources: structure errors answer 400, broken rules 422, with FHIRPath locations."""

from __future__ import annotations

from typing import Any

import pytest

from careplans.fhir.issues import IssueCode, Severity
from careplans.fhir.validation import validate_resource

PLAN_KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT_KIND = "https://cch.example.nhs.uk/CodeSystem/alert-kind"
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def plan(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [{"system": PLAN_KIND, "code": "integrated"}]}],
        "subject": {"reference": "Patient/p1"},
    }
    body.update(changes)
    return body


def flag(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Flag",
        "status": "active",
        "category": [{"coding": [{"system": ALERT_KIND, "code": "dnar"}]}],
        "code": {"text": "DNACPR"},
        "subject": {"reference": "Patient/p1"},
    }
    body.update(changes)
    return body


def issue_at(result: Any, expression: str) -> Any:
    return next(i for i in result.issues if i.expression == expression)


def test_valid_plan_is_accepted_without_issues() -> None:
    result = validate_resource(plan(), endpoint_type="CarePlan")
    assert result.ok and result.http_status == 200 and result.issues == ()


def test_all_clear_outcome_still_carries_an_issue() -> None:
    outcome = validate_resource(plan(), endpoint_type="CarePlan").operation_outcome()
    assert outcome["issue"][0]["severity"] == "information"


def test_body_for_another_endpoint_is_a_bad_request() -> None:
    result = validate_resource(flag(), endpoint_type="CarePlan")
    assert result.http_status == 400
    assert result.issues[0].expression == "CarePlan.resourceType"


def test_non_object_body_is_a_bad_request() -> None:
    assert validate_resource(["x"], endpoint_type="Goal").http_status == 400


def test_update_with_id_different_from_url_is_a_bad_request() -> None:
    result = validate_resource(plan(id="a"), endpoint_type="CarePlan", url_id="b")
    assert result.http_status == 400
    assert issue_at(result, "CarePlan.id").code is IssueCode.VALUE


def test_update_with_matching_id_is_accepted() -> None:
    assert validate_resource(plan(id="b"), endpoint_type="CarePlan", url_id="b").ok


def test_unknown_element_is_a_structure_error_with_its_path() -> None:
    result = validate_resource(
        plan(activity=[{"detail": {"status": "not-started", "colour": "red"}}]),
        endpoint_type="CarePlan",
    )
    found = issue_at(result, "CarePlan.activity[0].detail.colour")
    assert found.code is IssueCode.STRUCTURE and result.http_status == 400


def test_missing_intent_is_a_required_error() -> None:
    body = plan()
    del body["intent"]
    result = validate_resource(body, endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.intent").code is IssueCode.REQUIRED
    assert result.http_status == 400


def test_malformed_date_is_a_value_error() -> None:
    result = validate_resource(plan(period={"start": "2024-13-01"}), endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.period.start").code is IssueCode.VALUE
    assert result.http_status == 400


def test_wrong_json_type_is_a_structure_error() -> None:
    result = validate_resource(plan(subject={"reference": 7}), endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.subject.reference").code is IssueCode.STRUCTURE


@pytest.mark.parametrize(
    ("changes", "expression"),
    [
        ({"note": []}, "CarePlan.note"),
        ({"description": ""}, "CarePlan.description"),
        ({"description": None}, "CarePlan.description"),
        ({"period": {}}, "CarePlan.period"),
    ],
)
def test_empty_and_null_values_are_not_fhir_json(changes: dict[str, Any], expression: str) -> None:
    result = validate_resource(plan(**changes), endpoint_type="CarePlan")
    assert result.http_status == 400
    assert issue_at(result, expression).severity is Severity.ERROR


def test_r4b_only_extension_value_is_refused() -> None:
    body = plan(
        extension=[{"url": "http://x.org/e", "valueCodeableReference": {"concept": {"text": "x"}}}]
    )
    result = validate_resource(body, endpoint_type="CarePlan")
    assert result.http_status == 400
    assert issue_at(result, "CarePlan.extension[0].valueCodeableReference")


@pytest.mark.parametrize(("element", "value"), [("status", "cancelled"), ("intent", "wish")])
def test_careplan_codes_outside_required_bindings_are_unprocessable(
    element: str, value: str
) -> None:
    result = validate_resource(plan(**{element: value}), endpoint_type="CarePlan")
    assert issue_at(result, f"CarePlan.{element}").code is IssueCode.CODE_INVALID
    assert result.http_status == 422


def test_activity_status_binding_is_enforced() -> None:
    body = plan(activity=[{"detail": {"status": "pending"}}])
    result = validate_resource(body, endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.activity[0].detail.status").code is IssueCode.CODE_INVALID


def test_subject_must_be_a_patient() -> None:
    result = validate_resource(plan(subject={"reference": "Group/g1"}), endpoint_type="CarePlan")
    assert result.http_status == 422
    assert issue_at(result, "CarePlan.subject.reference").code is IssueCode.VALUE


def test_subject_by_valid_nhs_number_is_accepted() -> None:
    body = plan(subject={"identifier": {"system": NHS, "value": "9434765919"}})
    assert validate_resource(body, endpoint_type="CarePlan").ok


def test_subject_nhs_number_failing_modulus_11_is_refused() -> None:
    body = plan(subject={"identifier": {"system": NHS, "value": "9434765918"}})
    result = validate_resource(body, endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.subject.identifier.value").code is IssueCode.VALUE


def test_subject_identifier_from_another_system_is_refused() -> None:
    body = plan(subject={"identifier": {"system": "urn:oid:1.2.3", "value": "1"}})
    assert validate_resource(body, endpoint_type="CarePlan").http_status == 422


@pytest.mark.parametrize(
    ("element", "reference"),
    [("careTeam", "Goal/g1"), ("goal", "CarePlan/c1"), ("partOf", "Goal/g1")],
)
def test_references_must_point_at_allowed_types(element: str, reference: str) -> None:
    result = validate_resource(
        plan(**{element: [{"reference": reference}]}), endpoint_type="CarePlan"
    )
    assert issue_at(result, f"CarePlan.{element}[0].reference").code is IssueCode.VALUE


def test_malformed_reference_string_is_refused() -> None:
    result = validate_resource(
        plan(careTeam=[{"reference": "care team 1"}]), endpoint_type="CarePlan"
    )
    assert result.http_status == 422
    assert issue_at(result, "CarePlan.careTeam[0].reference")


@pytest.mark.parametrize(
    "reference",
    ["CareTeam/ct1", "https://ehr.example.nhs.uk/fhir/CareTeam/ct1", "CareTeam/ct1/_history/2"],
)
def test_relative_absolute_and_versioned_references_are_accepted(reference: str) -> None:
    assert validate_resource(plan(careTeam=[{"reference": reference}]), endpoint_type="CarePlan").ok


def test_reference_type_element_must_agree_with_the_reference() -> None:
    body = plan(careTeam=[{"reference": "CareTeam/ct1", "type": "Goal"}])
    assert validate_resource(body, endpoint_type="CarePlan").http_status == 422


def test_plan_without_a_kind_from_our_code_system_is_accepted_with_a_warning() -> None:
    result = validate_resource(plan(category=[{"text": "misc"}]), endpoint_type="CarePlan")
    assert result.ok
    assert issue_at(result, "CarePlan.category").code is IssueCode.REQUIRED
    assert issue_at(result, "CarePlan.category").severity is Severity.WARNING


def test_unknown_plan_kind_code_is_code_invalid() -> None:
    body = plan(category=[{"coding": [{"system": PLAN_KIND, "code": "respite"}]}])
    result = validate_resource(body, endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.category[0].coding[0].code").code is IssueCode.CODE_INVALID


def test_integrated_plan_is_not_part_of_another_plan() -> None:
    body = plan(partOf=[{"reference": "CarePlan/main"}])
    assert validate_resource(body, endpoint_type="CarePlan").http_status == 422


def test_emergency_plan_must_be_part_of_the_integrated_plan() -> None:
    body = plan(category=[{"coding": [{"system": PLAN_KIND, "code": "emergency"}]}])
    result = validate_resource(body, endpoint_type="CarePlan")
    assert result.http_status == 422
    assert issue_at(result, "CarePlan.partOf").severity is Severity.ERROR


def test_period_ending_before_it_starts_is_refused() -> None:
    body = plan(period={"start": "2025-03-01", "end": "2025-02-01"})
    assert issue_at(validate_resource(body, endpoint_type="CarePlan"), "CarePlan.period")


def test_activity_with_reference_and_detail_breaks_cpl_3() -> None:
    body = plan(
        activity=[{"reference": {"reference": "Task/t1"}, "detail": {"status": "scheduled"}}]
    )
    result = validate_resource(body, endpoint_type="CarePlan")
    assert issue_at(result, "CarePlan.activity[0]").code is IssueCode.INVARIANT


def test_flag_status_binding_is_enforced() -> None:
    result = validate_resource(flag(status="resolved"), endpoint_type="Flag")
    assert issue_at(result, "Flag.status").code is IssueCode.CODE_INVALID


def test_flag_without_alert_kind_is_refused() -> None:
    result = validate_resource(flag(category=[{"text": "clinical"}]), endpoint_type="Flag")
    assert result.http_status == 422


def test_flag_kind_may_be_carried_in_code() -> None:
    body = flag(code={"coding": [{"system": ALERT_KIND, "code": "lone-worker"}], "text": "Dog"})
    del body["category"]
    assert validate_resource(body, endpoint_type="Flag").ok


def test_allergy_flag_without_substance_is_refused() -> None:
    body = flag(
        category=[{"coding": [{"system": ALERT_KIND, "code": "allergy"}]}],
        code={"coding": [{"system": ALERT_KIND, "code": "allergy"}]},
    )
    result = validate_resource(body, endpoint_type="Flag")
    assert issue_at(result, "Flag.code").code is IssueCode.REQUIRED


def test_allergy_flag_with_substance_coding_is_accepted() -> None:
    body = flag(
        category=[{"coding": [{"system": ALERT_KIND, "code": "allergy"}]}],
        code={
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "91936005",
                    "display": "Allergy to penicillin",
                }
            ]
        },
    )
    assert validate_resource(body, endpoint_type="Flag").ok


def test_unknown_alert_kind_is_code_invalid() -> None:
    body = flag(category=[{"coding": [{"system": ALERT_KIND, "code": "violent"}]}])
    result = validate_resource(body, endpoint_type="Flag")
    assert issue_at(result, "Flag.category[0].coding[0].code").code is IssueCode.CODE_INVALID


def test_goal_lifecycle_status_binding_is_enforced() -> None:
    body = {
        "resourceType": "Goal",
        "lifecycleStatus": "done",
        "description": {"text": "Walk to the shops"},
        "subject": {"reference": "Patient/p1"},
    }
    result = validate_resource(body, endpoint_type="Goal")
    assert issue_at(result, "Goal.lifecycleStatus").code is IssueCode.CODE_INVALID


def test_careteam_needs_a_patient_subject() -> None:
    body = {"resourceType": "CareTeam", "status": "active", "name": "Team"}
    result = validate_resource(body, endpoint_type="CareTeam")
    assert issue_at(result, "CareTeam.subject").code is IssueCode.REQUIRED


def test_careteam_status_binding_is_enforced() -> None:
    body = {"resourceType": "CareTeam", "status": "open", "subject": {"reference": "Patient/p1"}}
    assert validate_resource(body, endpoint_type="CareTeam").http_status == 422


def test_patient_nhs_number_must_pass_modulus_11() -> None:
    body = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": "1234567890"}]}
    result = validate_resource(body, endpoint_type="Patient")
    assert issue_at(result, "Patient.identifier[0].value").code is IssueCode.VALUE


def test_patient_with_two_nhs_numbers_is_refused() -> None:
    body = {
        "resourceType": "Patient",
        "identifier": [
            {"system": NHS, "value": "9434765919"},
            {"system": NHS, "value": "9434765870"},
        ],
    }
    assert validate_resource(body, endpoint_type="Patient").http_status == 422


def test_outcome_issue_carries_severity_code_expression_and_diagnostics() -> None:
    result = validate_resource(plan(status="bogus"), endpoint_type="CarePlan")
    issue = result.operation_outcome()["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == "code-invalid"
    assert issue["expression"] == ["CarePlan.status"] and "bogus" in issue["diagnostics"]


def test_unserved_endpoint_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not served"):
        validate_resource({"resourceType": "Observation"}, endpoint_type="Observation")
