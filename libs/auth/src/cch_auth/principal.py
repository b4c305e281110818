"""The authenticated caller: roles decide features, SMART scopes decide FHIR interactions."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cch_auth.smart import Interaction, SmartScope


class Role(StrEnum):
    EHR_SYSTEM = "ehr-system"
    CASE_MANAGER = "case-manager"
    TEAM_LEAD = "team-lead"
    CLINICIAN = "clinician"
    COORDINATOR = "coordinator"
    RAPID_RESPONSE = "rapid-response"  # a rapid-response clinician (break-glass crisis summary)
    OPS = "ops"
    ADMIN = "admin"
    COMMISSIONER = "commissioner"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    scopes: tuple[SmartScope, ...]
    organisation: str | None = None
    practitioner_id: str | None = None
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles)) or Role.ADMIN in self.roles

    def permits(self, resource: str, interaction: Interaction) -> bool:
        return any(s.permits(resource, interaction) for s in self.scopes)

    def has_system_scope(self, resource: str, interaction: Interaction) -> bool:
        return any(s.context == "system" and s.permits(resource, interaction) for s in self.scopes)

    @property
    def actor(self) -> str:
        """How audit trails name the caller: practitioner id when there is one."""
        return self.practitioner_id or self.subject
