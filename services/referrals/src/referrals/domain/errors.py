"""Domain errors of the referrals service; the API layer maps each code to one HTTP status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """Base of every referrals rule violation, carrying a machine code and a human message."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidNhsNumber(DomainError):
    """A mistyped NHS number would name the wrong patient, so it never enters the record."""

    code = "invalid-nhs-number"


class InvalidPostcode(DomainError):
    """A crisis location or self-referral address must be a UK postcode to be found."""

    code = "invalid-postcode"


class UnknownCodeSystem(DomainError):
    """Referral reasons are coded only in SNOMED CT or ICD-10, so every service reads them."""

    code = "unknown-code-system"


class InvalidReasonCode(DomainError):
    """A code that cannot exist in its system (bad SNOMED check digit, malformed ICD-10)."""

    code = "invalid-reason-code"


class InvalidReference(DomainError):
    """A requester or decision-maker must be a Practitioner, Organization (or Patient) reference."""

    code = "invalid-reference"


class InvalidReferral(DomainError):
    """A referral misses what the MDT or dispatch needs (crisis details, dates, patient)."""

    code = "invalid-referral"


class IdentifierConflict(DomainError):
    """A referrer reused one identifier for another patient: refusing beats merging patients."""

    code = "identifier-conflict"


class ReferralClosed(DomainError):
    """A completed, revoked or entered-in-error referral takes no new decision or change."""

    code = "referral-closed"


class InvalidStatusTransition(DomainError):
    """The FHIR ServiceRequest status cannot move that way (for example out of entered-in-error)."""

    code = "invalid-status-transition"


class VersionConflict(DomainError):
    """Someone changed the referral since the caller read it (If-Match)."""

    code = "version-conflict"

    def __init__(self, referral_id: str, *, current: int, expected: int) -> None:
        super().__init__(
            f"referral {referral_id} is at version {current}, not {expected}: "
            "read it again and reapply your change"
        )
        self.current = current
        self.expected = expected


class InvalidTriageDecision(DomainError):
    """An include or exclude misses what the pathway needs (criteria, consent, review date...)."""

    code = "invalid-triage-decision"


class UnknownEligibilityCriterion(DomainError):
    """Only agreed eligibility criteria can justify an inclusion."""

    code = "unknown-eligibility-criterion"


class NoDecisionToReverse(DomainError):
    """Only a standing include or exclude decision can be reversed."""

    code = "no-decision-to-reverse"


class AnotherReferralOpen(DomainError):
    """Reopening would give the patient two open referrals in one programme."""

    code = "another-referral-open"


class InvalidExclusionNote(DomainError):
    """An exclusion note must name a patient and a review date after the exclusion."""

    code = "invalid-exclusion-note"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field of a patient-facing form and what is wrong with it, in plain words."""

    field: str
    message: str


class InvalidSelfReferral(DomainError):
    """A self-referral form with every problem listed, so the patient can fix them in one go."""

    code = "invalid-self-referral"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


class AmendmentRefused(DomainError):
    """An update may correct a referral, not turn it into another one (patient, date, route)."""

    code = "amendment-refused"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))
