"""Domain errors of the careplans service; the API layer maps each code to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every careplans rule violation, carrying a machine code and a human message."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidNhsNumber(DomainError):
    """An NHS number must be ten digits with a valid Modulus 11 check digit (→ 422)."""

    code = "invalid-nhs-number"


class InvalidAssignment(DomainError):
    """The pathway assignment lacks what a draft plan needs (→ 422)."""

    code = "invalid-assignment"


class PlanNotOpen(DomainError):
    """Only draft, active or on-hold plans can be reviewed, adjusted or closed (→ 409)."""

    code = "plan-not-open"


class InvalidReviewOutcome(DomainError):
    """A review outcome the plan cannot take (→ 422)."""

    code = "invalid-review-outcome"


class DuplicatePatient(DomainError):
    """A Patient with this NHS number (or platform key) is already held (→ 409)."""

    code = "duplicate-patient"
