"""ServiceRequest search parameters → SQL over the referral table's searchable columns."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from cch_fhir.errors import FhirError
from referrals.adapters.referral_tables import referral, referrer_identifier
from referrals.domain.nhs_number import NHS_NUMBER_SYSTEM
from referrals.domain.vocabulary import PATIENT_KEY_SYSTEM, ROUTE_SYSTEM

PATIENT_PARAMS = ("patient:identifier", "subject:identifier", "patient", "subject")
SEARCH_PARAMS = frozenset(
    {
        *PATIENT_PARAMS,
        "identifier",
        "status",
        "category",
        "priority",
        "requester",
        "authored",
        "_lastUpdated",
        "occurrence",
        "_count",
        "_offset",
        "_id",
        "_format",
        "_total",
    }
)
_PREFIXES = ("eq", "ne", "ge", "le", "gt", "lt", "sa", "eb")


@dataclass
class SearchQuery:
    """The WHERE clauses and what the caller asked about (for the audit row)."""

    conditions: list[Any] = field(default_factory=list)
    patient_keys: set[str] = field(default_factory=set)
    ignored: list[str] = field(default_factory=list)


def _token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, _, code = value.partition("|")
        return system or None, code
    return None, value


def _patient(value: str, key_for: Any) -> Any:
    system, code = _token(value)
    if not code:
        raise FhirError.of(400, "invalid", "a patient search needs a value (system|value)")
    if system in (None, NHS_NUMBER_SYSTEM) and code.isdigit() and len(code) == 10:
        return referral.c.patient_key == key_for(code), key_for(code)
    if system == PATIENT_KEY_SYSTEM or (system is None and code.startswith("pk-")):
        return referral.c.patient_key == code, code
    if system is not None and system not in (NHS_NUMBER_SYSTEM, PATIENT_KEY_SYSTEM):
        raise FhirError.of(
            400, "invalid", f"patients are identified by {NHS_NUMBER_SYSTEM}", "patient"
        )
    return sa.false(), None


def date_range(value: str) -> tuple[datetime, datetime]:
    """The instants a FHIR date/dateTime value covers: [start, end)."""
    try:
        if len(value) == 4:
            start = datetime(int(value), 1, 1, tzinfo=UTC)
            return start, start.replace(year=start.year + 1)
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:7])
            start = datetime(year, month, 1, tzinfo=UTC)
            days = calendar.monthrange(year, month)[1]
            return start, start + timedelta(days=days)
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start, start + timedelta(days=1)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FhirError.of(400, "invalid", f"{value!r} is not a FHIR date or dateTime") from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant, instant + timedelta(seconds=1)


def date_condition(column: Any, raw: str, name: str) -> Any:
    prefix, value = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
    start, end = date_range(value)
    conditions = {
        "eq": sa.and_(column >= start, column < end),
        "ne": sa.or_(column < start, column >= end),
        "ge": column >= start,
        "gt": column >= end,
        "sa": column >= end,
        "le": column < end,
        "lt": column < start,
        "eb": column < start,
    }
    return conditions[prefix]


_NEVER = sa.cast(sa.literal("infinity"), sa.DateTime(timezone=True))
_EVER = sa.cast(sa.literal("-infinity"), sa.DateTime(timezone=True))


def occurrence_condition(raw: str) -> Any:
    """FHIR date search against the window [see_from, see_by] (an open end is unbounded)."""
    prefix, value = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
    start, end = date_range(value)
    low = sa.func.coalesce(referral.c.see_from, _EVER)
    high = sa.func.coalesce(referral.c.see_by, _NEVER)
    within = sa.and_(low >= start, high < end)
    conditions = {
        "eq": within,
        "ne": sa.not_(within),
        "ge": high >= start,
        "gt": high >= end,
        "le": low < end,
        "lt": low < start,
        "sa": low >= end,
        "eb": high < start,
    }
    wanted = sa.or_(referral.c.see_from.is_not(None), referral.c.see_by.is_not(None))
    return sa.and_(wanted, conditions[prefix])


def build_query(params: Sequence[tuple[str, str]], *, key_for: Any) -> SearchQuery:
    """Each repeated parameter ANDs; comma-separated values within one OR."""
    query = SearchQuery()
    for name, raw in params:
        if name not in SEARCH_PARAMS:
            query.ignored.append(name)
            continue
        if name in ("_count", "_offset", "_format", "_total") or raw == "":
            continue
        values = raw.split(",")
        if name in PATIENT_PARAMS:
            parts = [_patient(v, key_for) for v in values]
            query.conditions.append(sa.or_(*(c for c, _ in parts)))
            query.patient_keys.update(k for _, k in parts if k)
        elif name == "identifier":
            ors = []
            for v in values:
                system, code = _token(v)
                cond = referrer_identifier.c.value == code
                if system:
                    cond = sa.and_(cond, referrer_identifier.c.system == system)
                ors.append(cond)
            query.conditions.append(
                referral.c.id.in_(sa.select(referrer_identifier.c.referral_id).where(sa.or_(*ors)))
            )
        elif name == "_id":
            query.conditions.append(referral.c.id.in_(values))
        elif name in ("status", "priority"):
            column = referral.c.status if name == "status" else referral.c.priority
            query.conditions.append(column.in_([_token(v)[1] for v in values]))
        elif name == "category":
            ors = []
            for v in values:
                system, code = _token(v)
                if system not in (None, ROUTE_SYSTEM):
                    ors.append(sa.false())
                    continue
                ors.append(referral.c.routes.op("@>")(sa.cast([code], JSONB)))
            query.conditions.append(sa.or_(*ors))
        elif name == "requester":
            query.conditions.append(
                sa.or_(
                    *(
                        referral.c.requester == v
                        if "/" in v
                        else referral.c.requester.endswith(f"/{v}", autoescape=True)
                        for v in values
                    )
                )
            )
        elif name == "authored":
            query.conditions.append(date_condition(referral.c.authored_on, raw, name))
        elif name == "_lastUpdated":
            query.conditions.append(date_condition(referral.c.last_updated, raw, name))
        elif name == "occurrence":
            query.conditions.append(occurrence_condition(raw))
    return query
