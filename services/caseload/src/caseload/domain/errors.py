"""Domain errors of the caseload service; the API layer maps each code to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every caseload rule violation, carrying a machine code and a human message."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownLocality(DomainError):
    """Only North, Central and South exist in the programme."""

    code = "unknown-locality"


class UnknownNeed(DomainError):
    """The most pressing need decides the case manager's profession, so it must be known."""

    code = "unknown-need"


class UnknownCaseManager(DomainError):
    """An assignment or change names a case manager the workforce does not hold."""

    code = "unknown-case-manager"


class UnknownTeam(DomainError):
    """A case manager or assignment names a team the workforce does not hold."""

    code = "unknown-team"


class UnknownPractice(DomainError):
    """A practice's locality was asked for before the practice was mapped."""

    code = "unknown-practice"


class InvalidWorkforce(DomainError):
    """A team, case manager or working pattern breaks a workforce rule."""

    code = "invalid-workforce"


class CapacityBelowLoad(DomainError):
    """Capacity may not be cut below the weighted load a case manager already carries."""

    code = "capacity-below-load"


class CaseManagerInactive(DomainError):
    """An inactive case manager (leave, left post) takes no new cases."""

    code = "case-manager-inactive"


class CaseManagerAtCapacity(DomainError):
    """Capacity is a hard limit even for a team lead: raise capacity first."""

    code = "case-manager-at-capacity"


class OverrideReasonRequired(DomainError):
    """A team lead's override of the assignment rule must say why."""

    code = "override-reason-required"


class OutOfLocalityNeedsReason(DomainError):
    """Case managers work in their locality; going outside it must be justified."""

    code = "out-of-locality-needs-reason"


class CaseAlreadyOpen(DomainError):
    """A patient holds at most one open case, so repeated referral events do not double-book."""

    code = "case-already-open"


class CaseClosed(DomainError):
    """A discharged or transferred-out case takes no more reviews or changes."""

    code = "case-closed"


class CaseNotActive(DomainError):
    """A waiting case has no owner to review with; only discharge is allowed."""

    code = "case-not-active"


class NotOnWaitingList(DomainError):
    """Only a waiting case can be assigned from the waiting list."""

    code = "not-on-waiting-list"


class NotFlaggedForClosure(DomainError):
    """Only a case whose inclusion was withdrawn or revoked is closed without an MDT outcome."""

    code = "not-flagged-for-closure"


class HandoverRequired(DomainError):
    """Closing a case whose inclusion was withdrawn must say who takes over the patient's care."""

    code = "handover-required"


class DischargeReasonRequired(DomainError):
    """Discharge must say improved, patient choice or died (the seed's three routes out)."""

    code = "discharge-reason-required"


class DischargeCriteriaNotMet(DomainError):
    """Discharge on improvement is assessed against strict agreed criteria."""

    code = "discharge-criteria-not-met"


class UnknownDischargeCriterion(DomainError):
    """A criterion the programme has not agreed cannot count towards discharge."""

    code = "unknown-discharge-criterion"


class InvalidReviewOutcome(DomainError):
    """An MDT review outcome is missing what it needs (plan summary, transfer target...)."""

    code = "invalid-review-outcome"


class InvalidReviewInterval(DomainError):
    """An MDT-agreed review interval may not be longer than the tier allows."""

    code = "invalid-review-interval"
