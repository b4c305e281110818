"""SMART on FHIR v2 scopes (`user/CarePlan.rs`), with v1 `.read`/`.write` understood."""

import re
from dataclasses import dataclass
from enum import StrEnum


class Interaction(StrEnum):
    CREATE = "c"
    READ = "r"
    UPDATE = "u"
    DELETE = "d"
    SEARCH = "s"


_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}


@dataclass(frozen=True)
class SmartScope:
    context: str  # patient | user | system
    resource: str  # a FHIR type or *
    interactions: frozenset[Interaction]

    def permits(self, resource: str, interaction: Interaction) -> bool:
        return self.resource in ("*", resource) and interaction in self.interactions


def parse_scope(text: str) -> SmartScope | None:
    """None for scopes that are not resource scopes (openid, launch, ...)."""
    if "?" in text:
        return None  # finer-grained (query-restricted) scopes are not supported: grant nothing
    match = _SCOPE.match(text)
    if match is None:
        return None
    context, resource, perms = match.groups()
    perms = _V1.get(perms, perms)
    if not perms or any(p not in "cruds" for p in perms):
        return None
    if list(perms) != sorted(perms, key="cruds".index):
        return None  # v2 requires the canonical order c, r, u, d, s
    return SmartScope(context, resource, frozenset(Interaction(p) for p in perms))


def parse_scopes(text: str | list[str] | None) -> tuple[SmartScope, ...]:
    items = text.split() if isinstance(text, str) else list(text or [])
    return tuple(s for s in (parse_scope(i) for i in items) if s is not None)
