"""A parsed FHIR search (fhir/search_query.py) as SQL over the resource store's columns."""

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from careplans.adapters.resource_tables import among
from careplans.adapters.tables import resource
from careplans.fhir.search_query import (
    DateFilter,
    DatePrefix,
    DateValue,
    MissingFilter,
    ReferenceFilter,
    ReferenceValue,
    SearchFilter,
    SearchQuery,
    Token,
    TokenFilter,
)

SORT_COLUMNS: dict[str, Any] = {
    "_lastUpdated": resource.c.last_updated,
    "_id": resource.c.id,
    "date": resource.c.period_start,
    "status": resource.c.status,
    "lifecycle-status": resource.c.status,
}
_REFERENCE_PARAMS = {"care-team", "part-of", "participant", "goal"}


def _token_forms(token: Token) -> list[str]:
    """The strings the codes/identifiers arrays hold that this token matches."""
    if token.system and token.code:
        return [f"{token.system}|{token.code}"]
    return [token.code] if token.code else []


def _token(flt: TokenFilter) -> Any:
    param = flt.param
    cond: Any
    if param == "_id":
        cond = resource.c.id.in_([t.code for t in flt.any_of])
    elif param in ("status", "lifecycle-status", "intent"):
        column = resource.c.intent if param == "intent" else resource.c.status
        cond = column.in_([t.code for t in flt.any_of])
    else:
        column = resource.c.identifiers if param == "identifier" else resource.c.codes
        alternatives = []
        for token in flt.any_of:
            if token.code is None and token.system:  # `system|`: any code of that system
                alternatives.append(
                    sa.func.array_to_string(column, "\x1f").like(f"%{token.system}|%")
                )
            else:
                alternatives.append(column.overlap(_token_forms(token)))
        cond = sa.or_(*alternatives)
    return sa.not_(cond) if flt.negated else cond


def _patient(value: ReferenceValue) -> Any:
    if value.identifier is not None:
        patients = sa.select(resource.c.id).where(
            resource.c.type == "Patient",
            resource.c.deleted.is_(False),
            resource.c.identifiers.overlap(_token_forms(value.identifier)),
        )
        return resource.c.patient_id.in_(patients)
    return resource.c.patient_id == value.id


def _reference(flt: ReferenceFilter) -> Any:
    alternatives = []
    for value in flt.any_of:
        if flt.param in ("patient", "subject"):
            alternatives.append(_patient(value))
        elif value.identifier is not None:
            alternatives.append(sa.false())  # logical references to teams are not indexed
        else:
            alternatives.append(resource.c.refs.contains([f"{value.resource_type}/{value.id}"]))
    return sa.or_(*alternatives)


def date_condition(value: DateValue, lo_col: Any, hi_col: Any) -> Any:
    """FHIR prefix semantics against the target range [lo_col, hi_col) (NULL = open)."""
    lo, hi = value.range.start, value.range.end
    assert lo is not None and hi is not None

    def starts_before(t: datetime) -> Any:
        return sa.or_(lo_col.is_(None), lo_col < t)

    def ends_after(t: datetime) -> Any:
        return sa.or_(hi_col.is_(None), hi_col > t)

    contains = sa.and_(lo_col.is_not(None), hi_col.is_not(None), lo_col >= lo, hi_col <= hi)
    match value.prefix:
        case DatePrefix.EQ:
            return contains
        case DatePrefix.NE:
            return sa.not_(contains)
        case DatePrefix.GT:
            return ends_after(hi)
        case DatePrefix.LT:
            return starts_before(lo)
        case DatePrefix.GE:
            return sa.or_(ends_after(hi), contains)
        case DatePrefix.LE:
            return sa.or_(starts_before(lo), contains)
        case DatePrefix.SA:
            return sa.and_(lo_col.is_not(None), lo_col >= hi)
        case DatePrefix.EB:
            return sa.and_(hi_col.is_not(None), hi_col <= lo)
        case DatePrefix.AP:
            slack = max(abs(lo - datetime.now(UTC)) / 10, timedelta(days=1))
            return sa.and_(starts_before(hi + slack), ends_after(lo - slack))
    raise AssertionError(value.prefix)  # pragma: no cover


def _date_filter(flt: DateFilter) -> Any:
    if flt.param == "_lastUpdated":
        # an instant is the range [t, t + 1µs)
        lo_col = resource.c.last_updated
        hi_col = resource.c.last_updated + sa.text("interval '1 microsecond'")
    else:
        lo_col, hi_col = resource.c.period_start, resource.c.period_end
    return sa.or_(*(date_condition(v, lo_col, hi_col) for v in flt.any_of))


def _missing(flt: MissingFilter) -> Any:
    column = {
        "status": resource.c.status,
        "lifecycle-status": resource.c.status,
        "intent": resource.c.intent,
        "patient": resource.c.patient_id,
        "subject": resource.c.patient_id,
        "date": resource.c.period_start,
    }.get(flt.param)
    if column is None:
        array = resource.c.identifiers if flt.param == "identifier" else resource.c.codes
        if flt.param in _REFERENCE_PARAMS:
            array = resource.c.refs
        empty = sa.func.cardinality(array) == 0
        return empty if flt.missing else sa.not_(empty)
    return column.is_(None) if flt.missing else column.is_not(None)


def condition(flt: SearchFilter) -> Any:
    if isinstance(flt, TokenFilter):
        return _token(flt)
    if isinstance(flt, ReferenceFilter):
        return _reference(flt)
    if isinstance(flt, DateFilter):
        return _date_filter(flt)
    return _missing(flt)


def where(query: SearchQuery, visible_patients: set[str] | None) -> Any:
    """The WHERE of a search: type, not deleted, every filter, and need-to-know."""
    conditions = [resource.c.type == query.resource_type, resource.c.deleted.is_(False)]
    conditions += [condition(f) for f in query.filters]
    if visible_patients is not None:
        conditions.append(among(resource.c.patient_id, visible_patients))
    return sa.and_(*conditions)


def order_by(query: SearchQuery) -> list[Any]:
    keys = query.sort or ()
    order = [
        SORT_COLUMNS[k.param].desc() if k.descending else SORT_COLUMNS[k.param].asc() for k in keys
    ]
    if not keys:
        order.append(resource.c.last_updated.asc())
    return [*order, resource.c.id.asc()]
