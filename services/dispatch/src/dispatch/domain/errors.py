"""Domain errors of the dispatch service; the API layer maps each code to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rapid-response rule violation, carrying a machine code and a human message."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A request moved out of order (e.g. arrival confirmed before the clinician accepted)."""

    code = "invalid-transition"


class RequestClosed(DomainError):
    """A completed or cancelled request takes no further changes."""

    code = "request-closed"


class NotAssignedClinician(DomainError):
    """Only the clinician holding a request may accept, decline or report on it."""

    code = "not-assigned-clinician"


class ClinicianExcluded(DomainError):
    """A clinician who declined a request is not offered it again."""

    code = "clinician-excluded"


class TimestampOutOfOrder(DomainError):
    """Transition times must not run backwards or precede receipt: the SLA depends on them."""

    code = "timestamp-out-of-order"


class NaiveTimestamp(DomainError):
    """Every instant is UTC-aware, so the 2-hour clock cannot shift with local time."""

    code = "naive-timestamp"


class InvalidRequest(DomainError):
    """A request field breaks a rule (priority outside 1..3, unknown skill, bad outcome)."""

    code = "invalid-request"


class ClockAlreadyStopped(DomainError):
    """The SLA clock stops once, at the first in-person clinical contact."""

    code = "clock-already-stopped"


class WarningAlreadyFired(DomainError):
    """At-risk and breach warnings fire exactly once per request."""

    code = "warning-already-fired"


class OutsideCounty(DomainError):
    """A position outside Shropshire is a bad fix (or a wrong grid), not a place to send anyone."""

    code = "outside-county"


class UnknownClinician(DomainError):
    """The roster holds no clinician with that id."""

    code = "unknown-clinician"


class DuplicateClinician(DomainError):
    """A clinician id is registered once."""

    code = "duplicate-clinician"


class InvalidShift(DomainError):
    """A shift must end after it starts."""

    code = "invalid-shift"


class ClinicianUnavailable(DomainError):
    """The clinician's status does not allow this step (off shift, or already busy)."""

    code = "clinician-unavailable"
