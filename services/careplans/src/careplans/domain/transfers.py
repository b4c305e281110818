"""An MDT transfer moves care coordination: the old case manager leaves the team, the new joins.

The previous coordinator's participation ends on the transfer day (their need-to-know access
ends with it); the new case manager becomes care coordinator and the plan's author; both the
team and the plan record why. Transferring to another setting without a named case manager
only ends the old coordination and notes where the patient went.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime

from careplans.domain.drafting import CARE_TEAM_ROLE_SYSTEM, CaseManager, Json, coding
from careplans.domain.errors import PlanNotOpen
from careplans.domain.review_outcomes import OPEN_STATUSES

COORDINATOR = "care-coordinator"


@dataclass(frozen=True, slots=True)
class Transfer:
    """The MDT's transfer decision (caseload.transferred)."""

    to: CaseManager | None
    to_setting: str | None
    reason: str
    at: datetime
    decided_by: str | None = None

    @property
    def destination(self) -> str:
        return self.to.name if self.to else (self.to_setting or "another setting")


def _is_coordinator(participant: Json) -> bool:
    return any(
        c.get("system") == CARE_TEAM_ROLE_SYSTEM and c.get("code") == COORDINATOR
        for role in participant.get("role", [])
        for c in role.get("coding", [])
    )


def _note(text: str, at: datetime, by: str | None) -> Json:
    note: Json = {"time": at.astimezone(UTC).isoformat().replace("+00:00", "Z"), "text": text}
    if by:
        note["authorString"] = by
    return note


def transfer_care_team(team: Json, transfer: Transfer) -> Json:
    """The team with the old coordinator's period ended and the new one added."""
    to, at = transfer.to, transfer.at
    if team.get("status") not in ("active", "proposed"):
        raise PlanNotOpen(f"a {team.get('status')} care team cannot be transferred")
    updated = copy.deepcopy(team)
    day = at.astimezone(UTC).date().isoformat()
    for participant in updated.get("participant", []):
        if _is_coordinator(participant) and "end" not in participant.get("period", {}):
            if to and participant.get("member", {}).get("reference") == (
                f"Practitioner/{to.practitioner_id}"
            ):
                return team  # already coordinated by the new case manager: nothing changes
            participant.setdefault("period", {})["end"] = day
    if to is not None:
        updated.setdefault("participant", []).append(
            {
                "role": [
                    {
                        "coding": [coding(CARE_TEAM_ROLE_SYSTEM, COORDINATOR)],
                        "text": f"Care coordinator (case manager, {to.profession})",
                    }
                ],
                "member": {"reference": f"Practitioner/{to.practitioner_id}", "display": to.name},
                "period": {"start": day},
            }
        )
    text = f"Transferred to {transfer.destination}: {transfer.reason}"
    updated.setdefault("note", []).append(_note(text, at, transfer.decided_by))
    return updated


def transfer_plan(plan: Json, transfer: Transfer) -> Json:
    """The plan with its new author (the new case manager) and a note of the transfer."""
    to = transfer.to
    if plan.get("status") not in OPEN_STATUSES:
        raise PlanNotOpen(f"a {plan.get('status')} plan cannot be transferred")
    updated = copy.deepcopy(plan)
    if to is not None:
        updated["author"] = {"reference": f"Practitioner/{to.practitioner_id}", "display": to.name}
    text = f"Care coordination transferred to {transfer.destination}: {transfer.reason}"
    updated.setdefault("note", []).append(_note(text, transfer.at, transfer.decided_by))
    return updated
