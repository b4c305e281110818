"""FHIR mechanics: weak ETags, paging links, OperationOutcome, and the R4 schema check."""

import pytest

from cch_fhir import FhirError, parse_if_match
from cch_fhir.bundle import paging
from cch_fhir.errors import Issue, operation_outcome
from cch_fhir.schema import schema_errors


def test_if_match_accepts_only_weak_etags_with_a_version():
    assert parse_if_match(None) is None
    assert parse_if_match('W/"3"') == 3
    for bad in ('"3"', "W/3", 'W/"abc"', "*"):
        with pytest.raises(FhirError) as caught:
            parse_if_match(bad)
        assert caught.value.status == 400


def test_paging_caps_count_and_rejects_nonsense():
    assert paging(None, None) == (20, 0)
    assert paging("500", "40") == (100, 40)
    with pytest.raises(FhirError):
        paging("ten", None)
    with pytest.raises(FhirError):
        paging("-1", None)


def test_operation_outcome_is_valid_r4():
    outcome = operation_outcome([Issue("invalid", "bad thing", expression="CarePlan.status")])
    assert schema_errors(outcome) == []


def test_schema_check_catches_what_r4_forbids():
    assert (
        schema_errors(
            {
                "resourceType": "CarePlan",
                "status": "draft",
                "intent": "plan",
                "subject": {"reference": "Patient/1"},
            }
        )
        == []
    )
    assert schema_errors({"resourceType": "CarePlan", "status": "draft"})
    assert schema_errors(
        {
            "resourceType": "CarePlan",
            "subject": {"reference": "Patient/1"},
            "status": "draft",
            "intent": "plan",
            "unknownElement": 1,
        }
    )
    assert schema_errors({"resourceType": "NotAThing"})


def test_capability_statements_for_r4_4_0_1_validate():
    from cch_fhir.capability import capability_statement

    statement = capability_statement(name="T", title="T", resources=[{"type": "CarePlan"}])
    assert statement["fhirVersion"] == "4.0.1"
    assert schema_errors(statement) == []


def test_the_merged_capability_statement_keeps_each_services_types_and_system_interactions():
    from cch_fhir.capability import capability_statement, merge

    strat = capability_statement(
        name="s",
        title="s",
        resources=[{"type": "RiskAssessment"}],
        interactions=[{"code": "transaction"}, {"code": "batch"}],
    )
    plans = capability_statement(name="c", title="c", resources=[{"type": "CarePlan"}])
    merged = merge([plans, strat], base_url="http://gw/fhir")
    rest = merged["rest"][0]
    assert [r["type"] for r in rest["resource"]] == ["CarePlan", "RiskAssessment"]
    assert rest["interaction"] == [{"code": "batch"}, {"code": "transaction"}]
    assert merged["implementation"]["url"] == "http://gw/fhir"
