"""What an MDT review or discharge does to a plan (FHIR R4 JSON in, a new version out).

Discharge status, by the R4 request-status definitions:
- `completed` — "the activities described by the request have been completed; no further
  activity will occur": discharge on marked improvement (discharge criteria met).
- `revoked` — "terminated prior to the known full completion of the intended actions; no
  further activity should occur": discharge by patient choice (support refused) and by death,
  since in both the plan stops before its work is done. `entered-in-error` is never used for
  either (the plan was not a mistake).
Parts of the plan follow the main plan, except that on death an End of Life Plan is
`completed`: care to the end of life is exactly what it set out to deliver.
Open activities close with the plan: not-started/scheduled → cancelled, in-progress/on-hold →
stopped. The plan period ends on the discharge day.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from careplans.domain.drafting import RISK_TIER_EXTENSION
from careplans.domain.errors import InvalidReviewOutcome, PlanNotOpen
from careplans.domain.tier_plans import MDT_REVIEW_CODE, PLAN_ACTIVITY_SYSTEM, next_review_on
from careplans.domain.vocabulary import PLAN_KIND_SYSTEM, DischargeReason, PlanKind, Tier

Json = dict[str, Any]
OPEN_STATUSES = frozenset({"draft", "active", "on-hold"})
_CANCEL = frozenset({"not-started", "scheduled"})
_STOP = frozenset({"in-progress", "on-hold"})


class ReviewDecision(StrEnum):
    """MDT review decisions (the seed's monitoring cycle); discharge has its own function."""

    CONTINUE = "continue"
    ADJUST_PLAN = "adjust-plan"
    TRANSFER = "transfer"


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _open_copy(plan: Json) -> Json:
    if plan.get("status") not in OPEN_STATUSES:
        raise PlanNotOpen(f"a {plan.get('status')} plan cannot be reviewed or closed")
    return copy.deepcopy(plan)


def _add_note(plan: Json, *, text: str, at: datetime, author: str | None) -> None:
    note: Json = {"time": _stamp(at), "text": text}
    if author:
        note["authorString"] = author
    plan.setdefault("note", []).append(note)


def plan_tier(plan: Json) -> Tier | None:
    """The risk tier recorded when the plan was drafted."""
    for extension in plan.get("extension", []):
        if extension.get("url") == RISK_TIER_EXTENSION:
            return Tier(extension["valueCode"])
    return None


def plan_kind(plan: Json) -> PlanKind | None:
    """The plan's kind from its category coding in our CodeSystem."""
    for concept in plan.get("category", []):
        for item in concept.get("coding", []):
            if item.get("system") == PLAN_KIND_SYSTEM and item.get("code") in set(PlanKind):
                return PlanKind(item["code"])
    return None


def next_review_date(plan: Json) -> date | None:
    """When the MDT review activity is next due."""
    for activity in plan.get("activity", []):
        detail = activity.get("detail", {})
        codes = {c.get("code") for c in detail.get("code", {}).get("coding", [])}
        events = detail.get("scheduledTiming", {}).get("event", [])
        if MDT_REVIEW_CODE in codes and events:
            return date.fromisoformat(str(events[0])[:10])
    return None


def _set_review(plan: Json, due_on: date) -> None:
    for activity in plan.get("activity", []):
        detail = activity.get("detail", {})
        codings = detail.get("code", {}).get("coding", [])
        if any(
            c.get("system") == PLAN_ACTIVITY_SYSTEM and c.get("code") == MDT_REVIEW_CODE
            for c in codings
        ):
            detail.setdefault("scheduledTiming", {})["event"] = [due_on.isoformat()]
            detail["status"] = "scheduled"
            return
    raise InvalidReviewOutcome("the plan has no MDT review activity to reschedule")


def record_review(
    plan: Json,
    decision: ReviewDecision,
    *,
    at: datetime,
    summary: str,
    reviewed_by: str | None = None,
    next_review: date | None = None,
    agreed_days: int | None = None,
) -> Json:
    """Continue, adjust or transfer: a note and the next review date (tier frequency if unsent)."""
    updated = _open_copy(plan)
    if decision is ReviewDecision.ADJUST_PLAN and not summary.strip():
        raise InvalidReviewOutcome("an adjustment must say what changes")
    due = next_review
    if due is None:
        tier = plan_tier(plan)
        if tier is None:
            raise InvalidReviewOutcome("no risk tier on the plan: send the next review date")
        due = next_review_on(tier, reviewed_on=at.astimezone(UTC).date(), agreed_days=agreed_days)
    label = {
        ReviewDecision.CONTINUE: "continue",
        ReviewDecision.ADJUST_PLAN: "plan adjusted",
        ReviewDecision.TRANSFER: "transferred",
    }[decision]
    text = f"MDT review {at.astimezone(UTC).date().isoformat()} ({label})"
    text += f": {summary.strip()}" if summary.strip() else ""
    _add_note(updated, text=f"{text}. Next review {due.isoformat()}.", at=at, author=reviewed_by)
    _set_review(updated, due)
    return updated


def discharge_status(reason: DischargeReason, kind: PlanKind | None) -> str:
    """completed for improvement (and an End of Life Plan on death), else revoked."""
    if reason is DischargeReason.IMPROVED:
        return "completed"
    if reason is DischargeReason.DIED and kind is PlanKind.END_OF_LIFE:
        return "completed"
    return "revoked"


_REASON_TEXT = {
    DischargeReason.IMPROVED: "marked improvement against the discharge criteria",
    DischargeReason.PATIENT_CHOICE: "patient choice (support declined)",
    DischargeReason.DIED: "death of the patient",
}


def _close(plan: Json, *, status: str, note: str, at: datetime, author: str | None) -> Json:
    updated = _open_copy(plan)
    updated["status"] = status
    updated.setdefault("period", {})["end"] = at.astimezone(UTC).date().isoformat()
    for activity in updated.get("activity", []):
        detail = activity.get("detail")
        if not detail:
            continue
        if detail.get("status") in _CANCEL:
            detail["status"] = "cancelled"
        elif detail.get("status") in _STOP:
            detail["status"] = "stopped"
    _add_note(updated, text=note, at=at, author=author)
    return updated


def discharge(
    plan: Json, reason: DischargeReason, *, at: datetime, decided_by: str | None = None
) -> Json:
    """Close a plan (main or part) on discharge; open activities are cancelled or stopped."""
    return _close(
        plan,
        status=discharge_status(reason, plan_kind(plan)),
        note=f"Discharged from case management: {_REASON_TEXT[reason]}.",
        at=at,
        author=decided_by,
    )


def withdraw(plan: Json, reason: str, *, at: datetime, withdrawn_by: str | None = None) -> Json:
    """The case should not have been opened (referral in error or inclusion withdrawn): the plan
    is revoked, not completed, and says why, so no one mistakes it for a finished episode."""
    return _close(
        plan, status="revoked", note=f"Case withdrawn: {reason}", at=at, author=withdrawn_by
    )


def activate(plan: Json, *, at: datetime, agreed_by: str | None = None) -> Json:
    """A draft becomes active once the team, GP and providers have agreed it."""
    if plan.get("status") != "draft":
        raise PlanNotOpen(f"only a draft plan can be agreed, not a {plan.get('status')} one")
    updated = copy.deepcopy(plan)
    updated["status"] = "active"
    _add_note(updated, text="Plan agreed by the care team.", at=at, author=agreed_by)
    return updated
