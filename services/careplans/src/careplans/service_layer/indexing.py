"""What the store indexes for search and need-to-know, read off each resource's content."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from careplans.pathway.vocabulary import STATUS_FIELD

PATIENT_TYPES = ("CarePlan", "CareTeam", "Goal", "Flag")


@dataclass
class SearchIndex:
    patient_id: str | None = None
    status: str | None = None
    intent: str | None = None
    codes: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    period_start: datetime | None = None
    period_end: datetime | None = None


def parse_fhir_datetime(value: str | None, *, end: bool = False) -> datetime | None:
    """Lower (or, with end, upper) bound of a FHIR date/dateTime/instant; None when unparseable."""
    if not value:
        return None
    from careplans.service_layer.dates import date_range

    try:
        lo, hi = date_range(value)
    except ValueError:
        return None
    return hi if end else lo


def reference_id(ref: Any, rtype: str) -> str | None:
    """ "Patient/123" (or an absolute URL ending so) → "123"."""
    if not isinstance(ref, dict):
        return None
    text = ref.get("reference")
    if not isinstance(text, str):
        return None
    parts = text.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == rtype:
        return parts[-1]
    return None


def _local_ref(ref: Any) -> str | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    parts = ref["reference"].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


def _codings(concepts: Any) -> list[str]:
    out: list[str] = []
    if isinstance(concepts, dict):
        concepts = [concepts]
    for concept in concepts or []:
        for coding in (concept or {}).get("coding", []) or []:
            code = coding.get("code")
            if not code:
                continue
            out.append(code)
            if coding.get("system"):
                out.append(f"{coding['system']}|{code}")
    return out


def index_resource(resource: dict[str, Any]) -> SearchIndex:
    rtype = resource["resourceType"]
    idx = SearchIndex()
    idx.identifiers = [
        f"{i.get('system', '')}|{i.get('value', '')}"
        for i in resource.get("identifier", []) or []
        if i.get("value")
    ]
    if rtype == "Patient":
        idx.patient_id = resource.get("id")
        idx.status = "inactive" if resource.get("active") is False else "active"
        return idx
    subject = resource.get("subject") or resource.get("patient")
    idx.patient_id = reference_id(subject, "Patient")
    field_name = STATUS_FIELD.get(rtype)
    if field_name:
        idx.status = resource.get(field_name)
    period = resource.get("period") or {}
    idx.period_start = parse_fhir_datetime(period.get("start"))
    idx.period_end = parse_fhir_datetime(period.get("end"), end=True)
    refs: list[Any] = []
    if rtype == "CarePlan":
        idx.intent = resource.get("intent")
        idx.codes = _codings(resource.get("category"))
        refs = [
            *(resource.get("careTeam") or []),
            *(resource.get("goal") or []),
            *(resource.get("partOf") or []),
            *(resource.get("basedOn") or []),
        ]
    elif rtype == "CareTeam":
        idx.codes = _codings(resource.get("category"))
        members = [p.get("member") for p in resource.get("participant", []) or []]
        refs = [m for m in members if m]
        idx.participants = [
            pid for pid in (reference_id(m, "Practitioner") for m in members) if pid
        ]
    elif rtype == "Flag":
        idx.codes = _codings(resource.get("category")) + _codings(resource.get("code"))
    elif rtype == "Goal":
        idx.codes = _codings(resource.get("category"))
        idx.period_start = parse_fhir_datetime(resource.get("startDate"))
    idx.refs = [r for r in (_local_ref(x) for x in refs) if r]
    return idx


def now_utc() -> datetime:
    return datetime.now(UTC)
