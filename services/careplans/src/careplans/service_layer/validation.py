"""Checks a resource before it is stored: R4 structure (fhir.resources), bindings, our rules."""

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from careplans.pathway.nhs_numbers import is_valid_nhs_number
from careplans.pathway.vocabulary import (
    ACTIVITY_STATUSES,
    ALERT_KIND_SYSTEM,
    NHS_NUMBER_SYSTEM,
    PLAN_KIND_SYSTEM,
    REQUIRED_CODES,
    AlertKind,
    PlanKind,
)
from cch_fhir.errors import FhirError, Issue

SUPPORTED_TYPES = ("CarePlan", "CareTeam", "Goal", "Flag", "Patient")


def check_structure(resource: dict[str, Any]) -> None:
    """400 when the body is not an R4 resource of its type (unknown elements, wrong JSON types)."""
    rtype = resource.get("resourceType")
    if rtype not in SUPPORTED_TYPES:
        raise FhirError.of(400, "invalid", f"resourceType {rtype!r} is not served here")
    try:
        get_fhir_model_class(str(rtype)).model_validate(resource)
    except ValidationError as exc:
        issues = [
            Issue(
                "structure",
                f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"[:300],
                expression=".".join(str(p) for p in e.get("loc", ()) if not isinstance(p, int))
                or None,
            )
            for e in exc.errors()[:20]
        ]
        raise FhirError(400, issues) from exc
    except (TypeError, ValueError) as exc:
        raise FhirError.of(400, "structure", str(exc)[:300]) from exc


def business_issues(resource: dict[str, Any]) -> list[Issue]:
    """Bindings fhir.resources does not enforce, and this server's own rules (→ 422)."""
    rtype = str(resource["resourceType"])
    issues: list[Issue] = []
    for field_name, allowed in REQUIRED_CODES.get(rtype, {}).items():
        value = resource.get(field_name)
        if value is not None and value not in allowed:
            issues.append(
                Issue(
                    "code-invalid",
                    f"{rtype}.{field_name} {value!r} is not in the required value set",
                    expression=f"{rtype}.{field_name}",
                )
            )
    if rtype == "Patient":
        for ident in resource.get("identifier", []) or []:
            if ident.get("system") == NHS_NUMBER_SYSTEM and not is_valid_nhs_number(
                str(ident.get("value", ""))
            ):
                issues.append(
                    Issue(
                        "value",
                        f"{ident.get('value')!r} is not a valid NHS number (Modulus 11)",
                        expression="Patient.identifier",
                    )
                )
        return issues
    subject = resource.get("subject")
    ref = (subject or {}).get("reference") if isinstance(subject, dict) else None
    if not isinstance(ref, str) or not ref.startswith("Patient/") or ref.count("/") != 1:
        issues.append(
            Issue(
                "required",
                f"{rtype}.subject must reference a Patient on this server (Patient/<id>)",
                expression=f"{rtype}.subject",
            )
        )
    if rtype == "CarePlan":
        issues += _plan_kind_issues(resource)
        for n, activity in enumerate(resource.get("activity", []) or []):
            status = (activity.get("detail") or {}).get("status")
            if status is not None and status not in ACTIVITY_STATUSES:
                issues.append(
                    Issue(
                        "code-invalid",
                        f"activity {n} status {status!r} is not in the required value set",
                        expression=f"CarePlan.activity[{n}].detail.status",
                    )
                )
    if rtype == "Flag":
        for where in ("category", "code"):
            concepts = resource.get(where) or []
            for concept in concepts if isinstance(concepts, list) else [concepts]:
                for coding in concept.get("coding", []) or []:
                    if coding.get("system") == ALERT_KIND_SYSTEM and coding.get("code") not in {
                        k.value for k in AlertKind
                    }:
                        issues.append(
                            Issue(
                                "code-invalid",
                                f"{coding.get('code')!r} is not an alert kind "
                                f"({', '.join(k.value for k in AlertKind)})",
                                expression=f"Flag.{where}",
                            )
                        )
    period = resource.get("period") or {}
    if period.get("start") and period.get("end") and str(period["start"]) > str(period["end"]):
        issues.append(Issue("invariant", "period.start is after period.end", f"{rtype}.period"))
    return issues


def plan_kinds(resource: dict[str, Any]) -> list[str]:
    return [
        c.get("code")
        for concept in resource.get("category", []) or []
        for c in concept.get("coding", []) or []
        if c.get("system") == PLAN_KIND_SYSTEM
    ]


def _plan_kind_issues(resource: dict[str, Any]) -> list[Issue]:
    issues = []
    for code in plan_kinds(resource):
        if code not in {k.value for k in PlanKind}:
            issues.append(
                Issue(
                    "code-invalid",
                    f"{code!r} is not a care plan kind ({', '.join(k.value for k in PlanKind)})",
                    expression="CarePlan.category",
                )
            )
    kinds = set(plan_kinds(resource))
    if kinds & {PlanKind.EMERGENCY.value, PlanKind.END_OF_LIFE.value} and not resource.get(
        "partOf"
    ):
        issues.append(
            Issue(
                "required",
                "an Emergency Care Plan or End of Life Plan is part of the integrated plan: "
                "set partOf to CarePlan/<id>",
                expression="CarePlan.partOf",
            )
        )
    return issues


def validate_resource(resource: dict[str, Any]) -> None:
    """400 for structure, then 422 for bindings and rules; nothing is stored when either fails."""
    check_structure(resource)
    issues = business_issues(resource)
    if issues:
        raise FhirError(422, issues)
