"""A parsed FHIR search as plain values: what to match, how to page, sort and include.

Within one parameter, comma-separated values are OR-ed (`any_of`); repeated parameters and
different parameters are AND-ed (each is its own filter). Nothing here knows about SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from careplans.fhir.dates import InstantRange

DEFAULT_COUNT = 20
MAX_COUNT = 100


class SearchError(Exception):
    """A search the server will not run (→ 400 OperationOutcome naming `param`)."""

    code = "invalid"

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class UnknownParameter(SearchError):
    """Not a parameter of this resource type (an error only with Prefer: handling=strict)."""

    code = "not-supported"


class UnsupportedModifier(SearchError):
    """A modifier this server does not implement: always refused, never silently ignored."""

    code = "not-supported"


class InvalidParameterValue(SearchError):
    """A value that does not parse for its parameter type."""

    code = "value"


class DatePrefix(StrEnum):
    """FHIR search comparators for dates."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    GT = "gt"
    LE = "le"
    GE = "ge"
    SA = "sa"
    EB = "eb"
    AP = "ap"


@dataclass(frozen=True, slots=True)
class Token:
    """`system|code`; system None means any system, "" means no system; code None any code."""

    system: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    """A literal target (`Patient/123`) or a logical one by identifier (NHS number)."""

    resource_type: str | None = None
    id: str | None = None
    identifier: Token | None = None


@dataclass(frozen=True, slots=True)
class DateValue:
    """A prefixed date/dateTime and the instant range it stands for."""

    prefix: DatePrefix
    text: str
    range: InstantRange

    def matches(self, target: InstantRange, *, now: datetime) -> bool:
        """FHIR's range semantics (search.html#prefix) of this value against a target range."""
        lo, hi = self.range.start, self.range.end
        assert lo is not None and hi is not None  # search values always have both ends
        t_lo, t_hi = target.start, target.end
        above = InstantRange(hi, None)
        below = InstantRange(None, lo)
        contains = t_lo is not None and t_hi is not None and lo <= t_lo and t_hi <= hi
        match self.prefix:
            case DatePrefix.EQ:
                return contains
            case DatePrefix.NE:
                return not contains
            case DatePrefix.GT:
                return above.overlaps(target)
            case DatePrefix.LT:
                return below.overlaps(target)
            case DatePrefix.GE:
                return above.overlaps(target) or contains
            case DatePrefix.LE:
                return below.overlaps(target) or contains
            case DatePrefix.SA:
                return t_lo is not None and t_lo >= hi
            case DatePrefix.EB:
                return t_hi is not None and t_hi <= lo
            case DatePrefix.AP:
                slack = max(abs(lo - now) / 10, timedelta(days=1))
                return InstantRange(lo - slack, hi + slack).overlaps(target)
        return False  # pragma: no cover - every prefix handled above


@dataclass(frozen=True, slots=True)
class TokenFilter:
    """Token parameter (status, category, identifier, _id); `negated` for the :not modifier."""

    param: str
    any_of: tuple[Token, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class ReferenceFilter:
    """Reference parameter (patient, subject, care-team)."""

    param: str
    any_of: tuple[ReferenceValue, ...]


@dataclass(frozen=True, slots=True)
class DateFilter:
    """Date parameter (date against CarePlan.period, _lastUpdated against meta.lastUpdated)."""

    param: str
    any_of: tuple[DateValue, ...]


@dataclass(frozen=True, slots=True)
class MissingFilter:
    """`param:missing=true|false`."""

    param: str
    missing: bool


SearchFilter = TokenFilter | ReferenceFilter | DateFilter | MissingFilter


@dataclass(frozen=True, slots=True)
class SortKey:
    """One `_sort` key; `param` is a search parameter name (date, _lastUpdated, ...)."""

    param: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Include:
    """`_include=CarePlan:care-team` or `_revinclude=Flag:patient` (source:param[:target])."""

    source: str
    param: str
    target: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.param}" + (f":{self.target}" if self.target else "")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Everything a repository needs to run one search and build its Bundle."""

    resource_type: str
    filters: tuple[SearchFilter, ...] = ()
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: tuple[SortKey, ...] = ()
    includes: tuple[Include, ...] = ()
    revincludes: tuple[Include, ...] = ()
    summary_count: bool = False
    unknown: tuple[str, ...] = field(default=())

    def filters_for(self, param: str) -> tuple[SearchFilter, ...]:
        """The filters on one parameter (repeats of it are AND-ed)."""
        return tuple(f for f in self.filters if f.param == param)
