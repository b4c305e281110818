"""Board and 2-hour compliance figures, read from stored requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.adapters import repository as repo
from dispatch.domain.compliance import ComplianceFigures, ResponseRecord, compliance_report
from dispatch.domain.vocabulary import Locality, RequestStatus
from dispatch.service_layer.planning import ON_BOARD


def _state(stored: repo.StoredRequest) -> str:
    request = stored.request
    if request.breached_at is not None:
        return "breached"
    if request.status is RequestStatus.ARRIVED:
        return "on-scene"
    if request.at_risk_warned_at is not None:
        return "at-risk"
    return "on-track"


async def board(session: Any, now: datetime, *, auto_assign: bool = False) -> dict[str, Any]:
    """Open requests by time left (least first) and every clinician with status and position."""
    stored = await repo.requests_in(session, ON_BOARD)
    stored.sort(key=lambda s: s.request.sla.time_left(now))
    clinicians = await repo.all_clinicians(session)
    return {
        "as_of": now.isoformat(),
        "requests": [
            {
                "id": s.request.id,
                "referral_id": s.referral_id,
                "status": s.request.status.value,
                "state": _state(s),
                "priority": s.request.priority,
                "received_at": s.request.received_at.isoformat(),
                "deadline": s.request.deadline.isoformat(),
                "minutes_left": round(s.request.sla.time_left(now).total_seconds() / 60.0, 1),
                "postcode": s.request.location.postcode,
                "easting": s.request.location.easting,
                "northing": s.request.location.northing,
                "locality": s.locality,
                "reason": s.request.reason,
                "skills_needed": sorted(s.request.skills_needed),
                "clinician_id": s.request.clinician_id,
                "projected_arrival": (
                    s.request.projected_arrival.isoformat() if s.request.projected_arrival else None
                ),
                "why": s.request.assignment_why,
            }
            for s in stored
        ],
        "clinicians": [
            {
                "id": c.id,
                "name": c.name,
                "status": c.status.value,
                "skills": sorted(c.skills),
                "easting": c.here.easting,
                "northing": c.here.northing,
                "request_id": c.request_id,
                "shift_start": c.shift.start.isoformat(),
                "shift_end": c.shift.end.isoformat(),
                "leaving_after_job": c.leaving_after_job,
            }
            for c in clinicians
        ],
        "auto_assign": auto_assign,
    }


def _figures(f: ComplianceFigures) -> dict[str, Any]:
    pct = f.pct_within
    return {
        "counted": f.counted,
        "within_120": f.within,
        "pct_within_120": None if pct is None else round(pct, 1),
        "mean_min": None if f.mean_min is None else round(f.mean_min, 1),
        "median_min": None if f.median_min is None else round(f.median_min, 1),
        "p90_min": None if f.p90_min is None else round(f.p90_min, 1),
        "breaches": len(f.breaches),
        "not_yet_due": f.excluded,
    }


async def compliance(session: Any, now: datetime) -> dict[str, Any]:
    """% within 120 min, mean/median/p90 response, breaches with reasons; by day/locality/hour."""
    stored = await repo.requests_in(session)
    records = [
        ResponseRecord.of(s.request, Locality(s.locality) if s.locality else None) for s in stored
    ]
    report = compliance_report(records, as_of=now)
    overall = _figures(report.overall)
    overall["breach_list"] = [
        {
            "request_id": b.request_id,
            "received_at": b.received_at.isoformat(),
            "response_min": None if b.response_min is None else round(b.response_min, 1),
            "reason": b.reason,
        }
        for b in report.overall.breaches
    ]
    return {
        "as_of": now.isoformat(),
        "standard_min": 120,
        "national_target_pct": 70.0,
        "overall": overall,
        "by_day": {d.isoformat(): _figures(f) for d, f in sorted(report.by_day.items())},
        "by_locality": {
            (k.value if k else "unknown"): _figures(f) for k, f in report.by_locality.items()
        },
        "by_hour": {str(h): _figures(f) for h, f in sorted(report.by_hour.items())},
    }
