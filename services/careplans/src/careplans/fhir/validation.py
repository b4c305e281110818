"""Incoming FHIR JSON checked in two passes: R4 structure (fhir.resources R4B) then our rules.

The R4B models are structurally R4 for CarePlan, CareTeam, Goal, Flag and Patient except that
R4B's Extension.value[x] also accepts CodeableReference and RatioRange; those, and the
library-only `fhir_comments`, are refused here so everything stored is valid R4 (4.0.1).
See issues.py for which findings answer 400 and which 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from careplans.fhir.business_rules import RULES
from careplans.fhir.issues import (
    ValidationIssue,
    ValidationResult,
    malformed,
    result_of,
)
from cch_fhir.errors import IssueCode

SUPPORTED_TYPES: tuple[str, ...] = ("CarePlan", "CareTeam", "Goal", "Flag", "Patient")
_NOT_R4 = {"valueCodeableReference", "valueRatioRange", "fhir_comments"}
_REQUIRED_ERRORS = {"missing", "model_field_validation.missing"}
_STRUCTURE_ERRORS = {
    "extra_forbidden",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "list_type",
    "string_type",
    "int_type",
    "int_parsing",
    "int_from_float",
    "bool_type",
    "bool_parsing",
    "float_type",
    "float_parsing",
    "decimal_type",
    "decimal_parsing",
    "union_tag_invalid",
}


def expression_of(resource_type: str, loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a FHIRPath-like expression: CarePlan.activity[0].detail."""
    text = resource_type
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part and not str(part).startswith(("function-", "json-or-python")):
            text += f".{part}"
    return text


def issues_from_pydantic(resource_type: str, error: ValidationError) -> list[ValidationIssue]:
    """Each pydantic error as a 400 issue with the FHIR issue type that best names it."""
    issues = []
    for item in error.errors(include_url=False):
        kind = str(item["type"])
        expression = expression_of(resource_type, tuple(item["loc"]))
        message = str(item["msg"]).removeprefix("Value error, ")
        if kind in _REQUIRED_ERRORS:
            code = IssueCode.REQUIRED
        elif kind in _STRUCTURE_ERRORS or not item["loc"]:
            code = IssueCode.STRUCTURE
            if kind == "extra_forbidden":
                message = f"Unknown element {item['loc'][-1]!s} is not part of R4 {resource_type}"
        else:
            code = IssueCode.VALUE
        issues.append(malformed(code, expression, message))
    return issues


def json_shape_issues(node: Any, expression: str) -> Iterator[ValidationIssue]:
    """FHIR JSON rules the parser lets through: no nulls, no empty arrays/objects/strings."""
    if node is None:
        yield malformed(IssueCode.STRUCTURE, expression, "null is not allowed in FHIR JSON")
    elif isinstance(node, str) and not node.strip():
        yield malformed(IssueCode.VALUE, expression, "Strings must not be empty or blank")
    elif isinstance(node, list):
        if not node:
            yield malformed(IssueCode.STRUCTURE, expression, "Arrays must not be empty")
        for index, item in enumerate(node):
            yield from json_shape_issues(item, f"{expression}[{index}]")
    elif isinstance(node, dict):
        if not node:
            yield malformed(IssueCode.STRUCTURE, expression, "Objects must not be empty")
        for key, value in node.items():
            child = f"{expression}.{key}"
            if key in _NOT_R4:
                yield malformed(IssueCode.STRUCTURE, child, f"{key} is not an R4 element")
            elif not (key.startswith("_") and isinstance(value, list)):
                # primitive-extension arrays (_given) legitimately hold nulls
                yield from json_shape_issues(value, child)


def parse_resource(body: dict[str, Any]) -> FHIRAbstractModel:
    """The R4B model of a body already known to validate (raises ValidationError otherwise)."""
    model_class = get_fhir_model_class(str(body["resourceType"]))
    return model_class.model_validate(body)


def to_json(resource: FHIRAbstractModel) -> dict[str, Any]:
    """The canonical JSON this server stores and returns (R4, no empty or null elements)."""
    data: dict[str, Any] = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def validate_resource(
    body: object, *, endpoint_type: str, url_id: str | None = None
) -> ValidationResult:
    """Issues of a create (url_id None) or update (url_id from the URL) of endpoint_type."""
    if endpoint_type not in SUPPORTED_TYPES:
        raise ValueError(f"{endpoint_type} is not served by careplans")
    if not isinstance(body, dict):
        return result_of(
            [malformed(IssueCode.STRUCTURE, endpoint_type, "The body must be a JSON object")]
        )
    resource_type = body.get("resourceType")
    if resource_type != endpoint_type:
        return result_of(
            [
                malformed(
                    IssueCode.STRUCTURE,
                    f"{endpoint_type}.resourceType",
                    f"resourceType {resource_type!r} does not match the endpoint {endpoint_type}",
                )
            ]
        )
    issues: list[ValidationIssue] = []
    if url_id is not None and body.get("id") != url_id:
        issues.append(
            malformed(
                IssueCode.VALUE,
                f"{endpoint_type}.id",
                f"id {body.get('id')!r} in the body must equal {url_id!r} in the URL",
            )
        )
    issues.extend(json_shape_issues(body, endpoint_type))
    try:
        parse_resource(body)
    except ValidationError as error:
        issues.extend(issues_from_pydantic(endpoint_type, error))
    if any(i.is_error for i in issues):
        return result_of(issues)  # rules need a well-formed resource to say anything useful
    issues.extend(RULES[endpoint_type](body))
    return result_of(issues)
