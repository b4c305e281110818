"""OperationOutcome issues with the HTTP status each earns, decided in one place.

- 400: the body is not an R4 ServiceRequest (not a JSON object, wrong resourceType, unknown
  elements, wrong JSON types, malformed primitives, missing 1..1 elements): fhir.resources says so.
- 422: it parsed but breaks a binding or a rule of this programme (NHS number check digit, our
  route CodeSystem, reason code systems, future dates, missing crisis details...).
When both kinds are present the answer is 400 (fix the shape first). Warnings never reject.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cch_fhir.errors import IssueCode, Severity


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One OperationOutcome.issue plus the HTTP status it would earn on create or update."""

    severity: Severity
    code: IssueCode
    expression: str
    diagnostics: str
    http_status: int = 422

    @property
    def is_error(self) -> bool:
        return self.severity in (Severity.ERROR, Severity.FATAL)

    def to_fhir(self) -> dict[str, Any]:
        """The issue as OperationOutcome.issue JSON."""
        return {
            "severity": self.severity.value,
            "code": self.code.value,
            "diagnostics": self.diagnostics,
            "expression": [self.expression],
        }


def malformed(code: IssueCode, expression: str, diagnostics: str) -> ValidationIssue:
    """An error that makes the body unreadable as an R4 ServiceRequest (→ 400)."""
    return ValidationIssue(Severity.ERROR, code, expression, diagnostics, 400)


def rule_broken(code: IssueCode, expression: str, diagnostics: str) -> ValidationIssue:
    """An error in a resource that parsed but breaks a binding or programme rule (→ 422)."""
    return ValidationIssue(Severity.ERROR, code, expression, diagnostics, 422)


def advice(code: IssueCode, expression: str, diagnostics: str) -> ValidationIssue:
    """A warning: reported, never a reason to reject."""
    return ValidationIssue(Severity.WARNING, code, expression, diagnostics, 200)


def http_status_of(issues: Iterable[ValidationIssue]) -> int:
    """200 when nothing is an error, 400 when any error is structural, else 422."""
    errors = [i for i in issues if i.is_error]
    if not errors:
        return 200
    return 400 if any(i.http_status == 400 for i in errors) else 422


def operation_outcome(issues: Iterable[ValidationIssue]) -> dict[str, Any]:
    """OperationOutcome JSON; an all-clear carries one informational issue as R4 requires."""
    found = [i.to_fhir() for i in issues] or [
        {"severity": "information", "code": "informational", "diagnostics": "No issues"}
    ]
    return {"resourceType": "OperationOutcome", "issue": found}
