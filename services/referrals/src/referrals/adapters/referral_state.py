"""The Referral aggregate to and from JSON, so one jsonb column restores it exactly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from referrals.domain.crisis import CrisisDetails
from referrals.domain.decisions import DecisionKind, ExclusionReason, TriageDecision
from referrals.domain.occurrence import SeenWhen, WhenToSee
from referrals.domain.patients import PatientIdentity, SubmittedDemographics
from referrals.domain.reasons import CodedReason
from referrals.domain.references import Reference
from referrals.domain.referral_requests import Arrival, ReferrerIdentifier
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import (
    Locality,
    MostPressingNeed,
    NeedLevel,
    Priority,
    ReferralRoute,
    ReferralStatus,
    Tier,
)

STATE_FORMAT = 1


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _reason(r: CodedReason) -> dict[str, Any]:
    return {"system": r.system, "code": r.code, "display": r.display}


def _ident(i: ReferrerIdentifier | None) -> dict[str, str] | None:
    return {"system": i.system, "value": i.value} if i else None


def _arrival(a: Arrival) -> dict[str, Any]:
    return {
        "route": a.route.value,
        "requester": a.requester.text,
        "authored_on": _dt(a.authored_on),
        "received_at": _dt(a.received_at),
        "priority": a.priority.value,
        "referrer_identifier": _ident(a.referrer_identifier),
        "reasons": [_reason(r) for r in a.reasons],
        "note": a.note,
    }


def decision_to_json(d: TriageDecision) -> dict[str, Any]:
    """One triage decision as JSON (also the shape the triage API returns)."""
    return {
        "version": d.version,
        "kind": d.kind.value,
        "decided_by": d.decided_by.text,
        "decided_at": _dt(d.decided_at),
        "recorded_at": _dt(d.recorded_at),
        "need_level": d.need_level.value if d.need_level else None,
        "eligibility_criteria": list(d.eligibility_criteria),
        "most_pressing_need": d.most_pressing_need.value if d.most_pressing_need else None,
        "locality": d.locality.value if d.locality else None,
        "exclusion_reason": d.exclusion_reason.value if d.exclusion_reason else None,
        "reason_text": d.reason_text,
        "next_review_on": _d(d.next_review_on),
        "reverses_version": d.reverses_version,
    }


def _when(w: WhenToSee | None) -> dict[str, str | None] | None:
    if w is None:
        return None
    return {
        k: (v.text if v else None) for k, v in (("at", w.at), ("start", w.start), ("end", w.end))
    }


def _pwhen(x: dict[str, str | None] | None) -> WhenToSee | None:
    if not x:
        return None
    at, start, end = (
        SeenWhen(v) if v else None for v in (x.get("at"), x.get("start"), x.get("end"))
    )
    return WhenToSee(at=at, start=start, end=end)


def to_state(r: Referral) -> dict[str, Any]:
    """Everything needed to rebuild the aggregate (events pending are not state)."""
    demo = r.demographics
    return {
        "format": STATE_FORMAT,
        "referral_id": r.referral_id,
        "patient": {"patient_key": r.patient.patient_key, "nhs_number": r.patient.nhs_number},
        "routes": [x.value for x in r.routes],
        "priority": r.priority.value,
        "reasons": [_reason(x) for x in r.reasons],
        "requester": r.requester.text,
        "practice_code": r.practice_code,
        "locality": r.locality.value if r.locality else None,
        "authored_on": _dt(r.authored_on),
        "received_at": _dt(r.received_at),
        "status": r.status.value,
        "referrer_identifier": _ident(r.referrer_identifier),
        "crisis": {"postcode": r.crisis.postcode, "reason": r.crisis.reason} if r.crisis else None,
        "tier": r.tier.value if r.tier else None,
        "programme": r.programme,
        "demographics": (
            {
                "given_name": demo.given_name,
                "family_name": demo.family_name,
                "birth_date": _d(demo.birth_date),
                "postcode": demo.postcode,
                "phone": demo.phone,
                "email": demo.email,
            }
            if demo
            else None
        ),
        "when_to_see": _when(r.when_to_see),
        "arrivals": [_arrival(a) for a in r.arrivals],
        "decisions": [decision_to_json(d) for d in r.decisions],
        "status_reason": r.status_reason,
        "version": r.version,
        "last_updated": _dt(r.last_updated),
    }


def _pdt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _req_dt(value: str | None) -> datetime:
    parsed = _pdt(value)
    if parsed is None:
        raise ValueError("stored referral state lacks a required instant")
    return parsed


def _preason(x: dict[str, Any]) -> CodedReason:
    return CodedReason(x["system"], x["code"], x.get("display"))


def _pident(x: dict[str, str] | None) -> ReferrerIdentifier | None:
    return ReferrerIdentifier(x["system"], x["value"]) if x else None


def _parrival(x: dict[str, Any]) -> Arrival:
    return Arrival(
        route=ReferralRoute(x["route"]),
        requester=Reference.parse(x["requester"]),
        authored_on=_req_dt(x["authored_on"]),
        received_at=_req_dt(x["received_at"]),
        priority=Priority(x["priority"]),
        referrer_identifier=_pident(x.get("referrer_identifier")),
        reasons=tuple(_preason(r) for r in x.get("reasons", [])),
        note=x.get("note", ""),
    )


def decision_from_json(x: dict[str, Any]) -> TriageDecision:
    """The inverse of decision_to_json."""
    return TriageDecision(
        version=x["version"],
        kind=DecisionKind(x["kind"]),
        decided_by=Reference.parse(x["decided_by"]),
        decided_at=_req_dt(x["decided_at"]),
        recorded_at=_req_dt(x["recorded_at"]),
        need_level=NeedLevel(x["need_level"]) if x.get("need_level") else None,
        eligibility_criteria=tuple(x.get("eligibility_criteria", [])),
        most_pressing_need=(
            MostPressingNeed(x["most_pressing_need"]) if x.get("most_pressing_need") else None
        ),
        locality=Locality(x["locality"]) if x.get("locality") else None,
        exclusion_reason=(
            ExclusionReason(x["exclusion_reason"]) if x.get("exclusion_reason") else None
        ),
        reason_text=x.get("reason_text", ""),
        next_review_on=date.fromisoformat(x["next_review_on"]) if x.get("next_review_on") else None,
        reverses_version=x.get("reverses_version"),
    )


def from_state(x: dict[str, Any]) -> Referral:
    """The aggregate as it was stored."""
    demo = x.get("demographics")
    crisis = x.get("crisis")
    return Referral(
        referral_id=x["referral_id"],
        patient=PatientIdentity(x["patient"]["patient_key"], x["patient"].get("nhs_number")),
        routes=[ReferralRoute(v) for v in x["routes"]],
        priority=Priority(x["priority"]),
        reasons=[_preason(r) for r in x.get("reasons", [])],
        requester=Reference.parse(x["requester"]),
        practice_code=x.get("practice_code"),
        locality=Locality(x["locality"]) if x.get("locality") else None,
        authored_on=_req_dt(x["authored_on"]),
        received_at=_req_dt(x["received_at"]),
        status=ReferralStatus(x["status"]),
        referrer_identifier=_pident(x.get("referrer_identifier")),
        crisis=CrisisDetails(crisis["postcode"], crisis["reason"]) if crisis else None,
        tier=Tier(x["tier"]) if x.get("tier") else None,
        programme=x["programme"],
        demographics=(
            SubmittedDemographics(
                given_name=demo["given_name"],
                family_name=demo["family_name"],
                birth_date=date.fromisoformat(demo["birth_date"]),
                postcode=demo["postcode"],
                phone=demo.get("phone"),
                email=demo.get("email"),
            )
            if demo
            else None
        ),
        when_to_see=_pwhen(x.get("when_to_see")),
        arrivals=[_parrival(a) for a in x.get("arrivals", [])],
        decisions=[decision_from_json(d) for d in x.get("decisions", [])],
        status_reason=x.get("status_reason", ""),
        version=x["version"],
        last_updated=_pdt(x.get("last_updated")),
    )
