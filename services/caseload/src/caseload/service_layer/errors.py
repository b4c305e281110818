"""Errors the use cases raise beyond the domain's rules."""

from caseload.domain.errors import DomainError


class CaseNotFound(DomainError):
    """No case with that id."""

    code = "case-not-found"


class TeamNotEmpty(DomainError):
    """A team that still has case managers or cases cannot be removed."""

    code = "team-not-empty"


class AlreadyExists(DomainError):
    """A team or case manager id is already taken."""

    code = "already-exists"
