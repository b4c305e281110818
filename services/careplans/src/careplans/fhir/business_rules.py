"""Rules a well-formed resource must still meet here (all 422): bindings, kinds, references."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from careplans.domain.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from careplans.domain.vocabulary import (
    ADMINISTRATIVE_GENDER,
    ALERT_KIND_SYSTEM,
    CAREPLAN_ACTIVITY_STATUS,
    CAREPLAN_INTENT,
    CAREPLAN_STATUS,
    CARETEAM_STATUS,
    FLAG_STATUS,
    GOAL_LIFECYCLE_STATUS,
    PLAN_KIND_SYSTEM,
    AlertKind,
    PlanKind,
)
from careplans.fhir.dates import period_range
from careplans.fhir.issues import ValidationIssue, advice, rule_broken
from careplans.fhir.references import (
    REFERENCE_TARGETS,
    all_reference_strings,
    parse_reference,
    references_at,
)
from cch_fhir.errors import IssueCode

Resource = dict[str, Any]


def binding_issues(
    value: object, allowed: frozenset[str], expression: str
) -> Iterator[ValidationIssue]:
    """A code outside a required value set."""
    if value is not None and value not in allowed:
        yield rule_broken(
            IssueCode.CODE_INVALID,
            expression,
            f"{value!r} is not in the required value set: {', '.join(sorted(allowed))}",
        )


def codings(concepts: Iterable[Any], expression: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(expression, coding) for every coding of a list of CodeableConcepts."""
    for i, concept in enumerate(concepts):
        for j, coding in enumerate(concept.get("coding", []) if isinstance(concept, dict) else []):
            yield f"{expression}[{i}].coding[{j}]", coding


def codes_from_system(
    concepts: Iterable[tuple[str, Any]], system: str, allowed: frozenset[str]
) -> tuple[set[str], list[ValidationIssue]]:
    """Known codes of our CodeSystem found in the concepts, and issues for unknown ones."""
    found: set[str] = set()
    issues: list[ValidationIssue] = []
    for expression, concept_list in concepts:
        for coding_expr, coding in codings(concept_list, expression):
            if coding.get("system") != system:
                continue
            code = coding.get("code")
            if code in allowed:
                found.add(str(code))
            else:
                issues.append(
                    rule_broken(
                        IssueCode.CODE_INVALID,
                        f"{coding_expr}.code",
                        f"{code!r} is not a code of {system}: {', '.join(sorted(allowed))}",
                    )
                )
    return found, issues


def subject_issues(resource: Resource, *, required: bool = True) -> Iterator[ValidationIssue]:
    """Subject must be Patient/<id> or an NHS-number identifier with a valid check digit."""
    rtype = resource["resourceType"]
    subject = resource.get("subject")
    expression = f"{rtype}.subject"
    if subject is None:
        if required:
            yield rule_broken(IssueCode.REQUIRED, expression, "A subject Patient is required")
        return
    reference, identifier = subject.get("reference"), subject.get("identifier")
    if subject.get("type") not in (None, "Patient"):
        yield rule_broken(IssueCode.VALUE, f"{expression}.type", "The subject must be a Patient")
    if identifier is not None:
        if identifier.get("system") != NHS_NUMBER_SYSTEM:
            yield rule_broken(
                IssueCode.VALUE,
                f"{expression}.identifier.system",
                f"A subject identifier must be an NHS number ({NHS_NUMBER_SYSTEM})",
            )
        elif not is_valid_nhs_number(str(identifier.get("value", ""))):
            yield rule_broken(
                IssueCode.VALUE,
                f"{expression}.identifier.value",
                f"{identifier.get('value')!r} is not a valid NHS number (Modulus 11)",
            )
    if reference is None and identifier is None:
        yield rule_broken(
            IssueCode.REQUIRED,
            expression,
            "The subject needs reference Patient/<id> or an NHS-number identifier",
        )


def reference_issues(resource: Resource) -> Iterator[ValidationIssue]:
    """Every literal reference well-formed, and each pointing at an allowed resource type."""
    rtype = resource["resourceType"]
    for expression, text in all_reference_strings(resource, rtype):
        if parse_reference(text) is None:
            yield rule_broken(
                IssueCode.VALUE,
                expression,
                f"{text!r} is not a valid reference (Type/id, absolute URL, #id or urn:uuid)",
            )
    contained = {
        c.get("id"): c.get("resourceType")
        for c in resource.get("contained", [])
        if isinstance(c, dict)
    }
    for path, allowed in REFERENCE_TARGETS[rtype].items():
        for expression, ref in references_at(resource, path):
            declared = ref.get("type")
            parsed = parse_reference(str(ref["reference"])) if "reference" in ref else None
            target = parsed.resource_type if parsed else None
            if parsed and parsed.contained:
                target = contained.get(parsed.id)
                if target is None:
                    yield rule_broken(
                        IssueCode.VALUE, expression, f"No contained resource #{parsed.id}"
                    )
            for found, where in ((target, "reference"), (declared, "type")):
                if found is not None and found not in allowed:
                    yield rule_broken(
                        IssueCode.VALUE,
                        f"{expression}.{where}",
                        f"{path} must refer to {' or '.join(sorted(allowed))}, not {found}",
                    )
            if declared and target and declared != target:
                yield rule_broken(
                    IssueCode.VALUE,
                    f"{expression}.type",
                    f"type {declared} disagrees with the reference to {target}",
                )


def period_issues(period: object, expression: str) -> Iterator[ValidationIssue]:
    """per-1: a period may not end before it starts."""
    if isinstance(period, dict) and "start" in period and "end" in period:
        span = period_range(period)
        if span.start and span.end and span.end <= span.start:
            yield rule_broken(IssueCode.INVARIANT, expression, "per-1: end is before start")


def careplan_rules(plan: Resource) -> list[ValidationIssue]:
    """CarePlan: bindings, one plan kind, part-of links for emergency and end-of-life plans."""
    issues = [
        *binding_issues(plan.get("status"), CAREPLAN_STATUS, "CarePlan.status"),
        *binding_issues(plan.get("intent"), CAREPLAN_INTENT, "CarePlan.intent"),
        *subject_issues(plan),
        *reference_issues(plan),
        *period_issues(plan.get("period"), "CarePlan.period"),
    ]
    for i, activity in enumerate(plan.get("activity", [])):
        expression = f"CarePlan.activity[{i}]"
        if "reference" in activity and "detail" in activity:
            issues.append(
                rule_broken(
                    IssueCode.INVARIANT, expression, "cpl-3: a reference or detail, not both"
                )
            )
        detail = activity.get("detail", {})
        issues += binding_issues(
            detail.get("status"), CAREPLAN_ACTIVITY_STATUS, f"{expression}.detail.status"
        )
    kinds, kind_issues = codes_from_system(
        [("CarePlan.category", plan.get("category", []))],
        PLAN_KIND_SYSTEM,
        frozenset(PlanKind),
    )
    issues += kind_issues
    if not kinds and not kind_issues:
        # a warning, so plans from other systems (and the published examples) can be shared
        issues.append(
            advice(
                IssueCode.REQUIRED,
                "CarePlan.category",
                f"Without a category from {PLAN_KIND_SYSTEM} (integrated, emergency, "
                "end-of-life) the plan is not shown in the crisis summary",
            )
        )
    elif len(kinds) > 1:
        issues.append(
            rule_broken(IssueCode.VALUE, "CarePlan.category", "A plan has exactly one kind")
        )
    elif kinds == {PlanKind.INTEGRATED} and plan.get("partOf"):
        issues.append(
            rule_broken(IssueCode.VALUE, "CarePlan.partOf", "The integrated plan is the main plan")
        )
    elif kinds & {PlanKind.EMERGENCY, PlanKind.END_OF_LIFE} and not plan.get("partOf"):
        issues.append(
            rule_broken(
                IssueCode.REQUIRED,
                "CarePlan.partOf",
                "An Emergency Care Plan or End of Life Plan is part of the integrated plan: "
                "set partOf to CarePlan/<id>",
            )
        )
    return issues


def careteam_rules(team: Resource) -> list[ValidationIssue]:
    """CareTeam: status binding and a Patient subject (need-to-know hangs on it)."""
    issues = [
        *binding_issues(team.get("status"), CARETEAM_STATUS, "CareTeam.status"),
        *subject_issues(team),
        *reference_issues(team),
        *period_issues(team.get("period"), "CareTeam.period"),
    ]
    for i, participant in enumerate(team.get("participant", [])):
        issues += period_issues(participant.get("period"), f"CareTeam.participant[{i}].period")
    return issues


def goal_rules(goal: Resource) -> list[ValidationIssue]:
    """Goal: lifecycleStatus binding and a Patient subject."""
    return [
        *binding_issues(goal.get("lifecycleStatus"), GOAL_LIFECYCLE_STATUS, "Goal.lifecycleStatus"),
        *subject_issues(goal),
        *reference_issues(goal),
    ]


def flag_rules(flag: Resource) -> list[ValidationIssue]:
    """Flag: one alert kind from our CodeSystem; an allergy names its substance."""
    issues = [
        *binding_issues(flag.get("status"), FLAG_STATUS, "Flag.status"),
        *subject_issues(flag),
        *reference_issues(flag),
        *period_issues(flag.get("period"), "Flag.period"),
    ]
    code = flag.get("code", {})
    kinds, kind_issues = codes_from_system(
        [("Flag.category", flag.get("category", [])), ("Flag.code", [code])],
        ALERT_KIND_SYSTEM,
        frozenset(AlertKind),
    )
    issues += kind_issues
    if not kinds and not kind_issues:
        issues.append(
            rule_broken(
                IssueCode.REQUIRED,
                "Flag.category",
                f"An alert kind from {ALERT_KIND_SYSTEM} (allergy, dnar, safeguarding, "
                "lone-worker) is required in category or code",
            )
        )
    elif len(kinds) > 1:
        issues.append(rule_broken(IssueCode.VALUE, "Flag.category", "A flag has one alert kind"))
    elif kinds == {AlertKind.ALLERGY} and not allergy_substance(code):
        issues.append(
            rule_broken(
                IssueCode.REQUIRED,
                "Flag.code",
                "An allergy alert must name the substance in code.text or a coding",
            )
        )
    return issues


def allergy_substance(code: dict[str, Any]) -> str | None:
    """The substance an allergy flag names: code.text, else a coding that is not our kind."""
    if code.get("text"):
        return str(code["text"])
    for coding in code.get("coding", []):
        if coding.get("system") != ALERT_KIND_SYSTEM and (
            coding.get("display") or coding.get("code")
        ):
            return str(coding.get("display") or coding.get("code"))
    return None


def patient_rules(patient: Resource) -> list[ValidationIssue]:
    """Patient: NHS numbers pass Modulus 11 and a patient has at most one."""
    issues = [
        *binding_issues(patient.get("gender"), ADMINISTRATIVE_GENDER, "Patient.gender"),
        *reference_issues(patient),
    ]
    numbers = set()
    for i, identifier in enumerate(patient.get("identifier", [])):
        if identifier.get("system") != NHS_NUMBER_SYSTEM:
            continue
        value = str(identifier.get("value", ""))
        numbers.add(value)
        if not is_valid_nhs_number(value):
            issues.append(
                rule_broken(
                    IssueCode.VALUE,
                    f"Patient.identifier[{i}].value",
                    f"{value!r} is not a valid NHS number (10 digits, Modulus 11)",
                )
            )
    if len(numbers) > 1:
        issues.append(
            rule_broken(IssueCode.VALUE, "Patient.identifier", "A patient has one NHS number")
        )
    return issues


RULES: dict[str, Callable[[Resource], list[ValidationIssue]]] = {
    "CarePlan": careplan_rules,
    "CareTeam": careteam_rules,
    "Goal": goal_rules,
    "Flag": flag_rules,
    "Patient": patient_rules,
}
