"""OperationOutcome issues with the HTTP status each one earns, decided in one place.

Status policy (FHIR R4 http.html "Rejecting Updates" and "create"):
- 400 Bad Request: the body cannot be read as an R4 resource of the endpoint's type: not a JSON
  object, wrong or missing resourceType, id disagreeing with the URL on update, unknown elements,
  wrong JSON types, malformed primitives, missing 1..1 elements, null/empty values, elements that
  exist only in R4B. Everything reported by the fhir.resources parser lands here.
- 422 Unprocessable Entity: the resource parsed but breaks a terminology binding or a business
  rule of this server: status/intent codes outside their required value sets, our plan-kind and
  alert-kind CodeSystems, subject not a Patient, reference syntax or target type, NHS number
  Modulus 11, period start after end, allergy alerts without a substance.
Warnings never reject. When both kinds are present the answer is 400 (fix the shape first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cch_fhir.errors import FhirError, Issue, IssueCode, Severity


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One OperationOutcome.issue plus the HTTP status it would earn on create/update."""

    severity: Severity
    code: IssueCode
    expression: str
    diagnostics: str
    http_status: int = 422

    @property
    def is_error(self) -> bool:
        return self.severity in (Severity.ERROR, Severity.FATAL)

    @property
    def issue(self) -> Issue:
        """The platform's OperationOutcome issue (cch_fhir), which renders it."""
        return Issue(self.code.value, self.diagnostics, self.severity.value, self.expression)

    def to_fhir(self) -> dict[str, Any]:
        """The issue as OperationOutcome.issue JSON."""
        return self.issue.to_fhir()


def malformed(code: IssueCode, expression: str, diagnostics: str) -> ValidationIssue:
    """An error that makes the body unreadable as R4 (→ 400)."""
    return ValidationIssue(Severity.ERROR, code, expression, diagnostics, 400)


def rule_broken(code: IssueCode, expression: str, diagnostics: str) -> ValidationIssue:
    """An error in a resource that parsed but breaks a binding or business rule (→ 422)."""
    return ValidationIssue(Severity.ERROR, code, expression, diagnostics, 422)


def advice(code: IssueCode, expression: str, diagnostics: str) -> ValidationIssue:
    """A warning: reported by $validate and on writes, never a reason to reject."""
    return ValidationIssue(Severity.WARNING, code, expression, diagnostics, 200)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """All issues found in one resource and the status a write of it earns."""

    issues: tuple[ValidationIssue, ...]

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        return tuple(i for i in self.issues if i.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def http_status(self) -> int:
        """200 when acceptable, 400 when any error is structural, else 422."""
        errors = self.errors
        if not errors:
            return 200
        return 400 if any(i.http_status == 400 for i in errors) else 422

    def operation_outcome(self) -> dict[str, Any]:
        """OperationOutcome JSON; an all-clear carries one informational issue as R4 requires."""
        issues = [i.to_fhir() for i in self.issues] or [
            {"severity": "information", "code": "informational", "diagnostics": "No issues"}
        ]
        return {"resourceType": "OperationOutcome", "issue": issues}

    def raise_if_rejected(self) -> None:
        """FhirError (400 or 422, every issue listed) when the resource may not be stored."""
        if not self.ok:
            raise FhirError(self.http_status, [i.issue for i in self.issues])


def result_of(issues: Iterable[ValidationIssue]) -> ValidationResult:
    """Errors first, then warnings, each in the order found."""
    items: Sequence[ValidationIssue] = list(issues)
    return ValidationResult(tuple(sorted(items, key=lambda i: not i.is_error)))
