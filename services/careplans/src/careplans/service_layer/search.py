"""FHIR search over the resource store: parse (fhir/), narrow by need-to-know, run, include."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters import search_sql
from careplans.adapters.resource_tables import among, refs_among
from careplans.adapters.tables import resource
from careplans.fhir.search_params import INCLUDES, parse_search
from careplans.fhir.search_query import Include, SearchError, SearchQuery
from careplans.service_layer import access
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_fhir.errors import FhirError, Issue, operation_outcome

_FIELDS = {"care-team": "careTeam", "goal": "goal", "subject": "subject", "patient": "subject"}


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


def parse(rtype: str, params: Iterable[tuple[str, str]], *, strict: bool) -> SearchQuery:
    """The parsed query, or 400 naming the parameter (unknown ones only when strict)."""
    try:
        return parse_search(rtype, params, strict=strict)
    except SearchError as exc:
        raise FhirError.of(400, exc.code, exc.message, exc.param) from exc


async def search(
    session: AsyncSession,
    principal: Principal,
    rtype: str,
    params: list[tuple[str, str]],
    *,
    strict: bool,
    at: datetime,
    need_to_know: bool = True,
) -> SearchResult:
    """`need_to_know=False` searches every patient's records: only for resolving a conditional
    interaction's identity, whose result the caller is never shown unless it may read it."""
    access.require_scope(principal, rtype, Interaction.SEARCH)
    query = parse(rtype, params, strict=strict)
    visible = (
        await access.visible_patients(session, principal, rtype=rtype, at=at)
        if need_to_know
        else None
    )
    where = search_sql.where(query, visible)
    outcome = None
    if query.unknown:
        outcome = operation_outcome(
            [
                Issue("not-supported", f"ignored unknown search parameter {u}", "warning", u)
                for u in query.unknown
            ]
        )
    if query.summary_count:
        total = await _count(session, where)
        return SearchResult([], [], total, query.offset, 0, outcome, summary_count=True)
    rows = (
        await session.execute(
            sa.select(
                resource.c.content, resource.c.patient_key, sa.func.count().over().label("total")
            )
            .where(where)
            .order_by(*search_sql.order_by(query))
            .offset(query.offset)
            .limit(query.count)
        )
    ).all()
    total = int(rows[0].total) if rows else 0  # the window counts every match, before paging
    if not rows and query.offset:  # a page past the end still reports the total
        total = await _count(session, where)
    matches = [r.content for r in rows]
    included = await _includes(session, principal, matches, query, visible)
    keys = {r.patient_key for r in rows if r.patient_key}
    return SearchResult(
        matches, included, total, query.offset, query.count, outcome, patient_keys=keys
    )


async def _count(session: AsyncSession, where: Any) -> int:
    stmt = sa.select(sa.func.count()).select_from(resource).where(where)
    return int((await session.execute(stmt)).scalar_one())


def _wanted(matches: list[dict[str, Any]], includes: Iterable[Include]) -> set[tuple[str, str]]:
    wanted: set[tuple[str, str]] = set()
    for inc in includes:
        target = inc.target or INCLUDES[inc.source][inc.param]
        for match in matches:
            refs = match.get(_FIELDS[inc.param]) or []
            for ref in refs if isinstance(refs, list) else [refs]:
                parts = str((ref or {}).get("reference", "")).split("/")
                if len(parts) >= 2 and parts[-2] == target:
                    wanted.add((target, parts[-1]))
    return wanted


async def _includes(
    session: AsyncSession,
    principal: Principal,
    matches: list[dict[str, Any]],
    query: SearchQuery,
    visible: set[str] | None,
) -> list[dict[str, Any]]:
    """Included resources the caller may also read (same patients, a read scope on the type)."""
    seen = {(m["resourceType"], m["id"]) for m in matches}
    readable = [
        i
        for i in query.includes
        if principal.permits(i.target or INCLUDES[i.source][i.param], Interaction.READ)
    ]
    wanted = sorted(_wanted(matches, readable) - seen)
    conditions: list[Any] = []
    if wanted:
        conditions.append(refs_among(resource.c.type, resource.c.id, wanted))
    patient_ids = {
        m["id"] if m["resourceType"] == "Patient" else str(m.get("subject", {}).get("reference"))
        for m in matches
    }
    patient_ids = {p.rsplit("/", 1)[-1] for p in patient_ids}
    if query.revincludes and patient_ids and principal.permits("Flag", Interaction.READ):
        conditions.append(
            sa.and_(resource.c.type == "Flag", among(resource.c.patient_id, patient_ids))
        )
    if not conditions:
        return []
    stmt = sa.select(resource.c.content).where(sa.or_(*conditions), resource.c.deleted.is_(False))
    if visible is not None:
        stmt = stmt.where(among(resource.c.patient_id, visible))
    rows = (await session.execute(stmt.order_by(resource.c.last_updated))).all()
    return [r.content for r in rows if (r.content["resourceType"], r.content["id"]) not in seen]
