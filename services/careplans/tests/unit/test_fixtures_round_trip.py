"""Example resources validate here and round-trip through the R4B models unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from careplans.fhir.validation import parse_resource, to_json, validate_resource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The examples this suite owns (other suites may keep their own files in the same folder).
NAMES = [
    "careplan-example-weight-loss.json",
    "careplan-example-f201-renal.json",
    "careplan-uk-emergency.json",
    "careteam-uk.json",
    "flag-allergy.json",
    "flag-dnar.json",
    "goal-uk.json",
    "patient-uk-core.json",
]


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def without_meta(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "meta"}


def r4_schema() -> Path | None:
    env = os.environ.get("CCH_FHIR_SCHEMA")
    candidates = [Path(env)] if env else []
    candidates += [
        p / ".cache" / "fhir" / "fhir.schema.json" for p in Path(__file__).resolve().parents
    ]
    return next((c for c in candidates if c.exists()), None)


@pytest.mark.parametrize("name", NAMES)
def test_fixture_passes_our_validation(name: str) -> None:
    body = load(name)
    result = validate_resource(body, endpoint_type=body["resourceType"], url_id=body.get("id"))
    assert result.ok, [i.diagnostics for i in result.issues]


@pytest.mark.parametrize("name", NAMES)
def test_fixture_round_trips_modulo_meta(name: str) -> None:
    body = load(name)
    assert without_meta(to_json(parse_resource(body))) == without_meta(body)


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_valid_against_the_official_r4_schema(name: str) -> None:
    schema = r4_schema()
    if schema is None:
        pytest.skip("FHIR R4 JSON schema not downloaded (make fhir-schema)")
    from jsonschema import Draft6Validator

    definitions = json.loads(schema.read_text())["definitions"]
    body = load(name)
    validator = Draft6Validator(
        {"$ref": f"#/definitions/{body['resourceType']}", "definitions": definitions}
    )
    assert [e.message for e in validator.iter_errors(body)] == []


def test_there_are_examples_of_every_served_type() -> None:
    assert {load(n)["resourceType"] for n in NAMES} == {
        "CarePlan",
        "CareTeam",
        "Goal",
        "Flag",
        "Patient",
    }
