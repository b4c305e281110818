"""SMART on FHIR scopes: v2 `context/Type.cruds`, with v1 `read`/`write`/`*` understood.

v1 maps as the SMART v2 specification says: read → rs, write → cud, * → cruds.
v2 permissions must be a subsequence of `cruds` in that order (`user/CarePlan.rs`, not `.sr`).
A v2 scope with a query restriction (`patient/Flag.rs?category=...`) is parsed but marked
`restricted`; the access policy grants nothing on it because it cannot prove the restriction
holds, so a narrowed token never gets wider access than it asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Interaction(StrEnum):
    """SMART v2 permission letters, one per FHIR interaction family."""

    CREATE = "c"
    READ = "r"
    UPDATE = "u"
    DELETE = "d"
    SEARCH = "s"


class ScopeContext(StrEnum):
    """Whose data a scope reaches: the launch patient, what the user may see, or a system."""

    PATIENT = "patient"
    USER = "user"
    SYSTEM = "system"


_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(\?\S+)?$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_ORDER = "cruds"


@dataclass(frozen=True, slots=True)
class SmartScope:
    """One resource scope."""

    context: ScopeContext
    resource_type: str  # a FHIR type or *
    interactions: frozenset[Interaction]
    restricted: bool = False

    def permits(self, resource_type: str, interaction: Interaction) -> bool:
        """Whether this scope, unrestricted, covers the interaction on the type."""
        return (
            not self.restricted
            and self.resource_type in ("*", resource_type)
            and interaction in self.interactions
        )


def parse_scope(text: str) -> SmartScope | None:
    """None for non-resource scopes (openid, launch, fhirUser) and malformed ones."""
    match = _SCOPE.match(text.strip())
    if match is None:
        return None
    context, resource_type, permissions, query = match.groups()
    if permissions in _V1:
        if query:
            return None  # v1 scopes never carried restrictions
        permissions = _V1[permissions]
    if any(p not in _ORDER for p in permissions) or len(set(permissions)) != len(permissions):
        return None
    if list(permissions) != sorted(permissions, key=_ORDER.index):
        return None
    return SmartScope(
        ScopeContext(context),
        resource_type,
        frozenset(Interaction(p) for p in permissions),
        restricted=bool(query),
    )


def parse_scopes(scopes: str | Iterable[str] | None) -> tuple[SmartScope, ...]:
    """All resource scopes from a space-separated claim or a list of scope strings."""
    items = scopes.split() if isinstance(scopes, str) else list(scopes or ())
    return tuple(s for s in (parse_scope(i) for i in items) if s is not None)
