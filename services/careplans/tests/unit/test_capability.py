"""The CapabilityStatement says exactly what careplans serves, and is valid R4."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from careplans.fhir.capability import capability_statement, resource_capabilities
from careplans.fhir.search_params import SEARCH_PARAMETERS


def statement() -> dict[str, Any]:
    return capability_statement(base_url="https://cch.example.nhs.uk/fhir")


def resource(rtype: str) -> dict[str, Any]:
    return next(r for r in statement()["rest"][0]["resource"] if r["type"] == rtype)


def test_statement_is_valid_r4_json_server() -> None:
    body = statement()
    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1" and "json" in body["format"]
    assert body["rest"][0]["mode"] == "server"


def test_exactly_the_served_types_are_listed() -> None:
    assert [r["type"] for r in resource_capabilities()] == [
        "CarePlan",
        "CareTeam",
        "Goal",
        "Flag",
        "Patient",
        "AuditEvent",
    ]


def test_plans_support_the_full_versioned_rest_interface() -> None:
    plan = resource("CarePlan")
    assert {i["code"] for i in plan["interaction"]} == {
        "read",
        "vread",
        "history-instance",
        "history-type",
        "create",
        "update",
        "patch",
        "delete",
        "search-type",
    }
    assert plan["versioning"] == "versioned-update" and plan["readHistory"] is True
    assert plan["updateCreate"] is False
    assert plan["conditionalCreate"] is True and plan["conditionalUpdate"] is True
    assert plan["operation"][0]["name"] == "validate"


def test_audit_events_are_read_and_search_only() -> None:
    audit = resource("AuditEvent")
    assert {i["code"] for i in audit["interaction"]} == {"read", "search-type"}
    assert "operation" not in audit
    assert audit["versioning"] == "versioned"  # each is version 1, sent as ETag W/"1"


def test_delete_is_listed_for_the_types_with_a_status_and_not_for_patient() -> None:
    for rtype in ("CarePlan", "CareTeam", "Goal", "Flag"):
        assert "delete" in {i["code"] for i in resource(rtype)["interaction"]}
    assert "delete" not in {i["code"] for i in resource("Patient")["interaction"]}


def test_search_parameters_are_those_the_parser_implements() -> None:
    for rtype in ("CarePlan", "CareTeam", "Goal", "Flag", "Patient", "AuditEvent"):
        listed = {p["name"] for p in resource(rtype)["searchParam"]}
        assert listed == set(SEARCH_PARAMETERS[rtype])
    assert set(resource("CarePlan")["searchInclude"]) >= {
        "CarePlan:care-team",
        "CarePlan:goal",
        "CarePlan:subject",
    }
    assert resource("CarePlan")["searchRevInclude"] == ["Flag:patient", "Flag:subject"]


def test_security_names_smart_on_fhir() -> None:
    coding = statement()["rest"][0]["security"]["service"][0]["coding"][0]
    assert coding["code"] == "SMART-on-FHIR"
