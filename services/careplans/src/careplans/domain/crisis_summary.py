"""One call for a clinician arriving at a crisis: emergency plan, alerts, EoL plan, main plan.

Order is the order of need: the active Emergency Care Plan first; then active alerts, DNAR
before allergy before safeguarding before lone-worker (other alerts last, newest first within a
kind); then the End of Life Plan and a summary of the integrated plan. Plans that are closed
(completed, revoked, entered-in-error) never appear; the emergency plan must be active, the
other two may be active, on hold or still draft (shown with their status).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from careplans.domain.review_outcomes import next_review_date, plan_kind
from careplans.domain.vocabulary import ALERT_KIND_DISPLAY, ALERT_KIND_SYSTEM, AlertKind, PlanKind

Json = dict[str, Any]
ALERT_ORDER: tuple[AlertKind, ...] = (
    AlertKind.DNAR,
    AlertKind.ALLERGY,
    AlertKind.SAFEGUARDING,
    AlertKind.LONE_WORKER,
)
_STATUS_PREFERENCE = {"active": 0, "on-hold": 1, "draft": 2}


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """One activity as a line of text and its status."""

    text: str
    status: str


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What a crisis clinician needs from a plan at a glance."""

    id: str | None
    kind: PlanKind
    status: str
    title: str | None
    description: str | None
    period_start: str | None
    next_review_on: date | None
    author: str | None
    activities: tuple[ActivityLine, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertSummary:
    """One active alert (Flag)."""

    id: str | None
    kind: AlertKind | None
    text: str
    since: str | None
    author: str | None


@dataclass(frozen=True, slots=True)
class CrisisSummary:
    """The summary, in reading order; `resources` are the FHIR resources in the same order."""

    patient_id: str
    emergency_plan: PlanSummary | None
    alerts: tuple[AlertSummary, ...]
    end_of_life_plan: PlanSummary | None
    integrated_plan: PlanSummary | None
    resources: tuple[Json, ...]


def alert_kind(flag: Json) -> AlertKind | None:
    """The alert kind from Flag.category or Flag.code in our CodeSystem."""
    concepts = [*flag.get("category", []), flag.get("code", {})]
    for concept in concepts:
        for item in concept.get("coding", []):
            if item.get("system") == ALERT_KIND_SYSTEM and item.get("code") in set(AlertKind):
                return AlertKind(item["code"])
    return None


def _alert_text(flag: Json, kind: AlertKind | None) -> str:
    code = flag.get("code", {})
    details = code.get("text") or next(
        (
            c.get("display") or c.get("code")
            for c in code.get("coding", [])
            if c.get("system") != ALERT_KIND_SYSTEM and (c.get("display") or c.get("code"))
        ),
        None,
    )
    heading = ALERT_KIND_DISPLAY[kind] if kind else "Alert"
    return f"{heading}: {details}" if details and details != heading else heading


def _alert_rank(flag: Json) -> int:
    kind = alert_kind(flag)
    return ALERT_ORDER.index(kind) if kind else len(ALERT_ORDER)


def _flag_active(flag: Json, at: datetime) -> bool:
    if flag.get("status") != "active":
        return False
    period = flag.get("period", {})
    end = period.get("end")
    # Period ends are compared on their day: an alert ending today still shows today.
    return end is None or str(end)[:10] >= at.astimezone(UTC).date().isoformat()


def _plan_summary(plan: Json, kind: PlanKind) -> PlanSummary:
    lines = []
    for activity in plan.get("activity", []):
        detail = activity.get("detail", {})
        text = detail.get("code", {}).get("text") or detail.get("description")
        if text is None and "reference" in activity:
            text = activity["reference"].get("display") or activity["reference"].get("reference")
        lines.append(ActivityLine(str(text or "Activity"), str(detail.get("status", "unknown"))))
    return PlanSummary(
        id=plan.get("id"),
        kind=kind,
        status=str(plan.get("status")),
        title=plan.get("title"),
        description=plan.get("description"),
        period_start=plan.get("period", {}).get("start"),
        next_review_on=next_review_date(plan),
        author=plan.get("author", {}).get("display"),
        activities=tuple(lines),
        notes=tuple(str(n.get("text")) for n in plan.get("note", [])[-3:]),
    )


def _pick(plans: Iterable[Json], kind: PlanKind, statuses: frozenset[str]) -> Json | None:
    candidates = [p for p in plans if plan_kind(p) is kind and p.get("status") in statuses]
    if not candidates:
        return None
    # Prefer active, then the most recently started or created.
    candidates.sort(
        key=lambda p: (
            -_STATUS_PREFERENCE.get(str(p.get("status")), 9),
            str(p.get("period", {}).get("start", "")),
            str(p.get("created", "")),
        ),
        reverse=True,
    )
    return candidates[0]


def crisis_summary(
    patient_id: str, *, plans: Iterable[Json], flags: Iterable[Json], at: datetime
) -> CrisisSummary:
    """The patient's crisis summary from their plans and flags (already access-checked)."""
    plan_list = list(plans)
    emergency = _pick(plan_list, PlanKind.EMERGENCY, frozenset({"active"}))
    open_statuses = frozenset(_STATUS_PREFERENCE)
    end_of_life = _pick(plan_list, PlanKind.END_OF_LIFE, open_statuses)
    integrated = _pick(plan_list, PlanKind.INTEGRATED, open_statuses)
    active_flags = [f for f in flags if _flag_active(f, at)]

    active_flags.sort(key=lambda f: str(f.get("period", {}).get("start", "")), reverse=True)
    active_flags.sort(key=_alert_rank)  # stable: newest first within each kind
    alerts = tuple(
        AlertSummary(
            id=f.get("id"),
            kind=alert_kind(f),
            text=_alert_text(f, alert_kind(f)),
            since=f.get("period", {}).get("start"),
            author=f.get("author", {}).get("display"),
        )
        for f in active_flags
    )
    resources = tuple(
        r for r in (emergency, *active_flags, end_of_life, integrated) if r is not None
    )
    return CrisisSummary(
        patient_id=patient_id,
        emergency_plan=_plan_summary(emergency, PlanKind.EMERGENCY) if emergency else None,
        alerts=alerts,
        end_of_life_plan=_plan_summary(end_of_life, PlanKind.END_OF_LIFE) if end_of_life else None,
        integrated_plan=_plan_summary(integrated, PlanKind.INTEGRATED) if integrated else None,
        resources=resources,
    )


def as_bundle(summary: CrisisSummary, *, base_url: str | None = None) -> Json:
    """The summary as a FHIR collection Bundle whose entries keep the reading order."""
    entries = []
    for resource in summary.resources:
        entry: Json = {"resource": resource}
        if base_url and resource.get("id"):
            entry["fullUrl"] = f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
        entries.append(entry)
    bundle: Json = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        bundle["entry"] = entries
    return bundle
