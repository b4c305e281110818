"""Service-level refusals (the domain's own errors live in domain/errors.py)."""

from __future__ import annotations

from dispatch.domain.errors import DomainError


class RequestNotFound(DomainError):
    """No request with that id."""

    code = "request-not-found"


class OpenRequestExists(DomainError):
    """A patient has at most one open rapid-response request."""

    code = "open-request-exists"


class MissingSkill(DomainError):
    """The clinician lacks a skill the request needs."""

    code = "missing-skill"


class NotPermitted(DomainError):
    """A clinician may only act on the request they hold."""

    code = "not-permitted"


class SimulationBusy(DomainError):
    """One county simulation is queued or running at a time."""

    code = "simulation-busy"


class SimulationNotFound(DomainError):
    """No simulation with that id."""

    code = "simulation-not-found"
