"""2-hour compliance as commissioners see it: share within 120 min, response times, breaches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np

from dispatch.domain.clock import aware
from dispatch.domain.requests import RapidResponse
from dispatch.domain.sla import RESPONSE_WINDOW
from dispatch.domain.vocabulary import Locality, RequestStatus

UK = ZoneInfo("Europe/London")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """One request as the standard counts it: receipt, first contact, or why there was none."""

    request_id: str
    received_at: datetime
    arrived_at: datetime | None = None
    cancelled_at: datetime | None = None
    locality: Locality | None = None
    reason: str | None = None

    @classmethod
    def of(cls, request: RapidResponse, locality: Locality | None = None) -> ResponseRecord:
        """Record a request from its lifecycle."""
        reason = None
        if request.sla.arrived_at is None and request.status is not RequestStatus.CANCELLED:
            reason = request.breach_reason()
        elif request.status is RequestStatus.CANCELLED:
            reason = request.history[-1].note or "cancelled"
        return cls(
            request_id=request.id,
            received_at=request.received_at,
            arrived_at=request.sla.arrived_at,
            cancelled_at=request.at(RequestStatus.CANCELLED),
            locality=locality,
            reason=reason,
        )

    @property
    def deadline(self) -> datetime:
        """Receipt plus 120 minutes."""
        return self.received_at + RESPONSE_WINDOW

    @property
    def response_min(self) -> float | None:
        """Minutes from receipt to first contact."""
        if self.arrived_at is None:
            return None
        return (self.arrived_at - self.received_at).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class Breach:
    """A response that missed 120 minutes, with what went wrong."""

    request_id: str
    received_at: datetime
    response_min: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class ComplianceFigures:
    """Counted responses, the share within 120 min and the response-time distribution."""

    counted: int
    within: int
    excluded: int
    mean_min: float | None
    median_min: float | None
    p90_min: float | None
    breaches: tuple[Breach, ...]

    @property
    def pct_within(self) -> float | None:
        """Percentage within 120 minutes (None with nothing counted)."""
        return None if self.counted == 0 else 100.0 * self.within / self.counted


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """Overall figures and the breakdowns coordinators and commissioners ask for."""

    overall: ComplianceFigures
    by_day: dict[date, ComplianceFigures]
    by_locality: dict[Locality | None, ComplianceFigures]
    by_hour: dict[int, ComplianceFigures]


def figures(
    records: Iterable[ResponseRecord], *, as_of: datetime | None = None
) -> ComplianceFigures:
    """Arrivals count; no contact is a breach once the deadline passed (cancelled or open)."""
    as_of = aware(as_of) if as_of is not None else None
    responses: list[float] = []
    within = 0
    excluded = 0
    breaches: list[Breach] = []
    for record in records:
        minutes = record.response_min
        if minutes is not None:
            responses.append(minutes)
            if minutes <= RESPONSE_WINDOW.total_seconds() / 60.0:
                within += 1
            else:
                breaches.append(
                    Breach(
                        record.request_id,
                        record.received_at,
                        minutes,
                        record.reason or f"arrived after {minutes:.0f} min",
                    )
                )
            continue
        closed_at = record.cancelled_at or as_of
        if closed_at is not None and closed_at > record.deadline:
            breaches.append(
                Breach(
                    record.request_id,
                    record.received_at,
                    None,
                    record.reason or "no clinical contact before the deadline",
                )
            )
        else:
            excluded += 1
    values = np.asarray(responses, dtype=np.float64)
    return ComplianceFigures(
        counted=within + len(breaches),
        within=within,
        excluded=excluded,
        mean_min=float(values.mean()) if values.size else None,
        median_min=float(np.median(values)) if values.size else None,
        p90_min=float(np.percentile(values, 90)) if values.size else None,
        breaches=tuple(breaches),
    )


def compliance_report(
    records: Sequence[ResponseRecord], *, as_of: datetime | None = None, tz: ZoneInfo = UK
) -> ComplianceReport:
    """Overall, by day and hour of receipt (UK local time), and by locality."""

    def local(record: ResponseRecord) -> datetime:
        return record.received_at.astimezone(tz)

    return ComplianceReport(
        overall=figures(records, as_of=as_of),
        by_day=_grouped(records, lambda r: local(r).date(), as_of),
        by_locality=_grouped(records, lambda r: r.locality, as_of),
        by_hour=_grouped(records, lambda r: local(r).hour, as_of),
    )


def _grouped(
    records: Sequence[ResponseRecord],
    key: Callable[[ResponseRecord], K],
    as_of: datetime | None,
) -> dict[K, ComplianceFigures]:
    groups: dict[K, list[ResponseRecord]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return {k: figures(v, as_of=as_of) for k, v in groups.items()}


def response_window_met(received_at: datetime, arrived_at: datetime) -> bool:
    """The standard's test for one response."""
    return aware(arrived_at) - aware(received_at) <= RESPONSE_WINDOW
