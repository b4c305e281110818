"""FHIR search over the resource store: parameters → SQL, paging, includes, unknown parameters."""

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.tables import resource
from careplans.service_layer import access
from careplans.service_layer.dates import date_range, split_prefix
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_fhir.bundle import paging
from cch_fhir.errors import FhirError, Issue

COMMON = {"_id", "_lastUpdated"}
CONTROL = {"_count", "_offset", "_sort", "_include", "_revinclude", "_summary", "_format", "_total"}
PARAMS: dict[str, set[str]] = {
    "CarePlan": {
        "patient",
        "subject",
        "status",
        "intent",
        "category",
        "date",
        "care-team",
        "identifier",
        "part-of",
    },
    "CareTeam": {"patient", "subject", "status", "category", "participant", "identifier"},
    "Goal": {"patient", "subject", "lifecycle-status", "category", "identifier"},
    "Flag": {"patient", "subject", "status", "category", "code", "identifier", "date"},
    "Patient": {"identifier"},
}
INCLUDES = {
    "CarePlan:care-team": ("CareTeam", "careTeam"),
    "CarePlan:goal": ("Goal", "goal"),
    "CarePlan:subject": ("Patient", "subject"),
    "CarePlan:patient": ("Patient", "subject"),
}
REVINCLUDES = {"Flag:patient", "Flag:subject"}
SORTS = {"_lastUpdated": resource.c.last_updated, "date": resource.c.period_start}


@dataclass
class SearchResult:
    matches: list[dict[str, Any]]
    includes: list[dict[str, Any]]
    total: int
    offset: int
    count: int
    outcome: dict[str, Any] | None = None
    summary_count: bool = False
    patient_keys: set[str] = field(default_factory=set)


def _split_name(name: str) -> tuple[str, str | None]:
    base, _, modifier = name.partition(":")
    return base, modifier or None


def _token(value: str, column: Any) -> Any:
    alternatives = []
    for v in value.split(","):
        system, bar, code = v.rpartition("|")
        alternatives.append(column.contains([f"{system}|{code}" if bar and system else code]))
    return sa.or_(*alternatives)


def _patient_ids_for(value: str, modifier: str | None) -> Any:
    if modifier == "identifier":
        pats = sa.select(resource.c.id).where(
            resource.c.type == "Patient", resource.c.identifiers.contains([value])
        )
        return resource.c.patient_id.in_(pats)
    ids = [v.rstrip("/").split("/")[-1] for v in value.split(",")]
    return resource.c.patient_id.in_(ids)


def _date(value: str, lo_col: Any, hi_col: Any) -> Any:
    prefix, raw = split_prefix(value)
    try:
        lo, hi = date_range(raw)
    except ValueError as exc:
        raise FhirError.of(400, "invalid", f"{value!r} is not a FHIR date search value") from exc
    start_before = lambda t: sa.or_(lo_col.is_(None), lo_col < t)  # noqa: E731
    end_after = lambda t: sa.or_(hi_col.is_(None), hi_col >= t)  # noqa: E731
    overlap = sa.and_(start_before(hi), end_after(lo))
    return {
        "eq": overlap,
        "ap": overlap,
        "ne": sa.not_(overlap),
        "gt": end_after(hi),
        "ge": end_after(lo),
        "lt": start_before(lo),
        "le": start_before(hi),
        "sa": lo_col >= hi,
        "eb": sa.and_(hi_col.is_not(None), hi_col < lo),
    }[prefix]


def _condition(rtype: str, name: str, modifier: str | None, value: str) -> Any:
    if name == "_id":
        return resource.c.id.in_(value.split(","))
    if name == "_lastUpdated":
        return _date(value, resource.c.last_updated, resource.c.last_updated)
    if name in ("patient", "subject"):
        return _patient_ids_for(value, modifier)
    if name in ("status", "lifecycle-status"):
        return resource.c.status.in_(value.split(","))
    if name == "intent":
        return resource.c.intent.in_(value.split(","))
    if name in ("category", "code"):
        return _token(value, resource.c.codes)
    if name == "identifier":
        return _token(value, resource.c.identifiers)
    if name == "date":
        return _date(value, resource.c.period_start, resource.c.period_end)
    if name in ("care-team", "part-of", "participant"):
        target = {"care-team": "CareTeam", "part-of": "CarePlan", "participant": "Practitioner"}
        refs = [
            v if "/" in v else f"{target[name]}/{v}" for v in (x.strip() for x in value.split(","))
        ]
        return resource.c.refs.overlap(refs)
    raise AssertionError(name)


async def search(
    session: AsyncSession,
    principal: Principal,
    rtype: str,
    params: list[tuple[str, str]],
    *,
    strict: bool,
) -> SearchResult:
    access.require_scope(principal, rtype, Interaction.SEARCH)
    allowed = PARAMS[rtype] | COMMON
    conditions: list[Any] = [resource.c.type == rtype]
    unknown: list[str] = []
    control: dict[str, list[str]] = {}
    for raw_name, value in params:
        name, modifier = _split_name(raw_name)
        if name in CONTROL:
            control.setdefault(name, []).append(value)
            continue
        if name not in allowed or (modifier and modifier not in ("identifier", "missing")):
            unknown.append(raw_name)
            continue
        if value == "":
            continue
        conditions.append(_condition(rtype, name, modifier, value))
    includes = [v for v in control.get("_include", [])]
    revincludes = [v for v in control.get("_revinclude", [])]
    unknown += [f"_include={v}" for v in includes if v not in INCLUDES or not v.startswith(rtype)]
    unknown += [f"_revinclude={v}" for v in revincludes if v not in REVINCLUDES]
    sort = (control.get("_sort") or ["_lastUpdated"])[0]
    if sort.lstrip("-") not in SORTS:
        unknown.append(f"_sort={sort}")
        sort = "_lastUpdated"
    if unknown and strict:
        raise FhirError.of(400, "not-supported", f"unknown search parameters: {', '.join(unknown)}")
    restrict = access.patient_filter(principal, rtype, Interaction.SEARCH)
    if restrict is not None:
        conditions.append(restrict)
    count, offset = paging(
        (control.get("_count") or [None])[0], (control.get("_offset") or [None])[0]
    )
    where = sa.and_(*conditions)
    total = int(
        (
            await session.execute(sa.select(sa.func.count()).select_from(resource).where(where))
        ).scalar_one()
    )
    outcome = None
    if unknown:
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [
                Issue("not-supported", f"ignored unknown search parameter {u}", "warning").to_fhir()
                for u in unknown
            ],
        }
    if (control.get("_summary") or [""])[0] == "count":
        return SearchResult([], [], total, offset, 0, outcome, summary_count=True)
    column = SORTS[sort.lstrip("-")]
    order = [column.desc() if sort.startswith("-") else column.asc(), resource.c.id.asc()]
    rows = (
        await session.execute(
            sa.select(resource.c.content, resource.c.patient_key)
            .where(where)
            .order_by(*order)
            .offset(offset)
            .limit(count)
        )
    ).all()
    matches = [r.content for r in rows]
    included = await _includes(session, principal, matches, includes, revincludes)
    keys = {r.patient_key for r in rows if r.patient_key}
    return SearchResult(matches, included, total, offset, count, outcome, patient_keys=keys)


async def _includes(
    session: AsyncSession,
    principal: Principal,
    matches: list[dict[str, Any]],
    includes: list[str],
    revincludes: list[str],
) -> list[dict[str, Any]]:
    wanted: list[tuple[str, str]] = []
    for inc in includes:
        if inc not in INCLUDES:
            continue
        target, field_name = INCLUDES[inc]
        if not principal.permits(target, Interaction.READ):
            continue
        for m in matches:
            refs = m.get(field_name) or []
            for ref in refs if isinstance(refs, list) else [refs]:
                parts = str((ref or {}).get("reference", "")).split("/")
                if len(parts) >= 2 and parts[-2] == target:
                    wanted.append((target, parts[-1]))
    out: list[dict[str, Any]] = []
    seen = {(m["resourceType"], m["id"]) for m in matches}
    if wanted:
        unique = sorted(set(wanted) - seen)
        rows = (
            await session.execute(
                sa.select(resource.c.content).where(
                    sa.tuple_(resource.c.type, resource.c.id).in_(unique)
                )
            )
        ).all()
        out += [r.content for r in rows]
        seen |= set(unique)
    patient_ids = {
        m["id"]
        if m["resourceType"] == "Patient"
        else str(m.get("subject", {}).get("reference", "")).split("/")[-1]
        for m in matches
    }
    if (
        any(r in REVINCLUDES for r in revincludes)
        and patient_ids
        and principal.permits("Flag", Interaction.READ)
    ):
        rows = (
            await session.execute(
                sa.select(resource.c.content)
                .where(resource.c.type == "Flag", resource.c.patient_id.in_(patient_ids))
                .order_by(resource.c.last_updated)
            )
        ).all()
        out += [r.content for r in rows if (r.content["resourceType"], r.content["id"]) not in seen]
    return out
