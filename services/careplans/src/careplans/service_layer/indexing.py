"""What the store indexes for search and need-to-know, read off each resource's content."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from careplans.domain.patient_merge import replaced_by
from careplans.domain.vocabulary import STATUS_FIELD
from careplans.fhir.dates import parse_partial, period_range
from careplans.fhir.references import parse_reference

PATIENT_TYPES = ("CarePlan", "CareTeam", "Goal", "Flag")
# a Patient merged into another: read by id (its link names the survivor), never found by
# identifier, so an NHS number leads to the survivor alone
REPLACED_STATUS = "replaced"


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


def local_ref(ref: Any) -> str | None:
    """`Type/id` of a literal reference (relative or absolute), else None."""
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    parsed = parse_reference(ref["reference"])
    return parsed.relative if parsed else None


def reference_id(ref: Any, rtype: str) -> str | None:
    """ "Patient/123" (or an absolute URL ending so) → "123" when it names an rtype."""
    text = local_ref(ref)
    if text is None:
        return None
    target, _, rid = text.partition("/")
    return rid if target == rtype else None


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


def _team_members(team: dict[str, Any]) -> list[str]:
    """Practitioner/… and Organization/… on the team (members, onBehalfOf, managing org)."""
    refs: list[Any] = []
    for participant in team.get("participant", []) or []:
        refs += [participant.get("member"), participant.get("onBehalfOf")]
    refs += team.get("managingOrganization", []) or []
    found = (local_ref(r) for r in refs)
    return sorted({r for r in found if r and r.split("/")[0] in ("Practitioner", "Organization")})


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
        if replaced_by(resource) is not None:
            idx.status, idx.identifiers = REPLACED_STATUS, []
        return idx
    idx.patient_id = reference_id(resource.get("subject"), "Patient")
    if status_field := STATUS_FIELD.get(rtype):
        idx.status = resource.get(status_field)
    span = period_range(resource.get("period"))
    idx.period_start, idx.period_end = span.start, span.end
    refs: list[Any] = []
    idx.codes = _codings(resource.get("category"))
    if rtype == "CarePlan":
        idx.intent = resource.get("intent")
        refs = [
            *(resource.get("careTeam") or []),
            *(resource.get("goal") or []),
            *(resource.get("partOf") or []),
            *(resource.get("basedOn") or []),
        ]
    elif rtype == "CareTeam":
        idx.participants = _team_members(resource)
        refs = [p.get("member") for p in resource.get("participant", []) or []]
    elif rtype == "Flag":
        idx.codes += _codings(resource.get("code"))
    elif rtype == "Goal" and (start := parse_partial(str(resource.get("startDate", "")))):
        idx.period_start = start.start
    idx.refs = [r for r in (local_ref(x) for x in refs) if r]
    return idx
