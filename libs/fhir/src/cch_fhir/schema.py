"""Checks resources against the official FHIR R4 (4.0.1) JSON schema."""

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator


def schema_path() -> Path:
    env = os.environ.get("CCH_FHIR_SCHEMA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / ".cache" / "fhir" / "fhir.schema.json"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        "FHIR R4 schema not found: run `make fhir-schema` or set CCH_FHIR_SCHEMA"
    )


@lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    definitions = dict(json.loads(schema_path().read_text())["definitions"])
    _admit_401(definitions)
    return definitions


def _admit_401(node: Any) -> None:
    """The packaged schema was generated from R4 4.0.0; 4.0.1 is its technical correction with
    the same JSON structure, but the FHIRVersion enums stop at 4.0.0. Admit 4.0.1 there."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "4.0.0" in enum and "4.0.1" not in enum:
            enum.append("4.0.1")
        for value in node.values():
            _admit_401(value)
    elif isinstance(node, list):
        for value in node:
            _admit_401(value)


@lru_cache(maxsize=64)
def _validator(resource_type: str) -> Draft6Validator:
    definitions = _definitions()
    if resource_type not in definitions:
        raise KeyError(f"not an R4 resource type: {resource_type}")
    return Draft6Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """Empty when the resource is valid R4 JSON; otherwise one message per violation."""
    rtype = str(resource.get("resourceType", ""))
    if rtype not in _definitions():
        return [f"resourceType: {rtype!r} is not an R4 resource type"]
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:300]}"
        for e in _validator(rtype).iter_errors(resource)
    ]
