"""Every FHIR error is an OperationOutcome with the right HTTP status."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """OperationOutcome.issue.severity."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"


class IssueCode(StrEnum):
    """The codes of the FHIR issue-type value set the platform's services report."""

    STRUCTURE = "structure"
    REQUIRED = "required"
    VALUE = "value"
    INVARIANT = "invariant"
    CODE_INVALID = "code-invalid"
    NOT_SUPPORTED = "not-supported"
    NOT_FOUND = "not-found"
    BUSINESS_RULE = "business-rule"


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue; `code` is from the FHIR issue-type value set."""

    code: str
    diagnostics: str
    severity: str = "error"
    expression: str | None = None

    def to_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirError(Exception):
    """Raised anywhere under /fhir; the service kit renders it as an OperationOutcome."""

    def __init__(self, status: int, issues: list[Issue] | Issue) -> None:
        self.status = status
        self.issues = issues if isinstance(issues, list) else [issues]
        super().__init__("; ".join(i.diagnostics for i in self.issues))

    @classmethod
    def of(
        cls, status: int, code: str, diagnostics: str, expression: str | None = None
    ) -> "FhirError":
        return cls(status, Issue(code, diagnostics, expression=expression))


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}


def not_found(resource_type: str, resource_id: str) -> FhirError:
    return FhirError.of(404, "not-found", f"{resource_type}/{resource_id} is not known")


def gone(resource_type: str, resource_id: str) -> FhirError:
    return FhirError.of(410, "deleted", f"{resource_type}/{resource_id} has been deleted")


def version_conflict(resource_type: str, resource_id: str, current: int, given: int) -> FhirError:
    return FhirError.of(
        412,
        "conflict",
        f"{resource_type}/{resource_id} is at version {current}, not {given}: "
        "read it again and reapply your change",
    )
