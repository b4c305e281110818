"""Who holds an open case, and where a transfer sends it."""

from __future__ import annotations

from dataclasses import dataclass

from caseload.domain.events import CaseManagerSummary
from caseload.domain.vocabulary import AssignmentKind, TransferSetting


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who holds an open case: a named case manager, a team, or self-care support."""

    kind: AssignmentKind
    owner_id: str | None = None

    @property
    def owner(self) -> str:
        """Owner as events name it: 'case-manager:<id>', 'team:<id>' or 'self-care'."""
        if self.kind is AssignmentKind.CASE_MANAGER:
            return f"case-manager:{self.owner_id}"
        if self.kind is AssignmentKind.INTEGRATED_TEAM:
            return f"team:{self.owner_id}"
        return "self-care"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferTarget:
    """Where a TRANSFER outcome sends the case: a case manager, or a setting."""

    case_manager: CaseManagerSummary | None = None
    setting: TransferSetting | None = None
    team_id: str | None = None

    def assignment(self) -> Assignment | None:
        """The new in-programme owner, or None when the case leaves the programme."""
        if self.case_manager is not None:
            return Assignment(AssignmentKind.CASE_MANAGER, self.case_manager.manager_id)
        if self.setting is TransferSetting.INTEGRATED_CARE_TEAM:
            return Assignment(AssignmentKind.INTEGRATED_TEAM, self.team_id)
        return None
