"""Referral mix, a programme figure: where referrals come from and what the MDT made of them.

The seed expects about 80% of patients from the predictive report and 20% from direct
referrals (GP, A&E, other clinicians, self-referral). Each referral counts once, under the route
that opened it; linked arrivals are counted separately so no route's work goes unseen.
Referrals entered in error count nowhere. Months and periods are by receipt date (UTC).
Percentiles interpolate linearly between ranks (the common spreadsheet/numpy definition).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from referrals.domain.decisions import DecisionKind, ExclusionReason
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import (
    DIRECT_ROUTES,
    Locality,
    NeedLevel,
    ReferralRoute,
    ReferralStatus,
)

EXPECTED_PREDICTIVE_SHARE = 0.80
# How far (in share, 0.05 = 5 percentage points) the mix may drift before it is flagged.
MIX_TOLERANCE = 0.05
UNKNOWN_LOCALITY = "unknown"


@dataclass(frozen=True, slots=True)
class Share:
    """A count and its share of the period's referrals (0.0 when there are none)."""

    count: int
    share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictiveDirectSplit:
    """Predictive against direct, measured against the 80/20 expectation."""

    predictive: Share
    direct: Share
    expected_predictive_share: float
    deviation: float | None
    within_expectation: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthMix:
    """One month's referrals and how they split."""

    total: Share
    predictive: int
    direct: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TriageOutcomes:
    """Where the period's referrals stand now."""

    included: int
    excluded: int
    awaiting: int
    withdrawn: int
    reversed: int
    included_by_need: dict[NeedLevel, int]
    excluded_by_reason: dict[ExclusionReason, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionTimes:
    """Hours from receipt to the MDT's first decision, over the referrals decided."""

    decided: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralMix:
    """The referral-mix report for one period."""

    start: date
    end: date
    total: int
    by_route: dict[ReferralRoute, Share]
    arrivals_by_route: dict[ReferralRoute, int]
    by_locality: dict[str, Share]
    by_month: dict[str, MonthMix]
    split: PredictiveDirectSplit
    outcomes: TriageOutcomes
    decision_times: DecisionTimes


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolation percentile (fraction 0.5 = median, 0.9 = p90); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def referral_mix(referrals: Iterable[Referral], *, start: date, end: date) -> ReferralMix:
    """The mix of referrals received from `start` to `end` inclusive."""
    if end < start:
        raise ValueError("the period must end on or after its start")
    period = [
        r
        for r in referrals
        if r.status is not ReferralStatus.ENTERED_IN_ERROR and start <= r.received_at.date() <= end
    ]
    total = len(period)
    routes = Counter(r.route for r in period)
    arrivals = Counter(a.route for r in period for a in r.arrivals)
    localities = Counter(r.locality.value if r.locality else UNKNOWN_LOCALITY for r in period)
    locality_keys = [loc.value for loc in Locality] + [UNKNOWN_LOCALITY]
    return ReferralMix(
        start=start,
        end=end,
        total=total,
        by_route={route: _share(routes[route], total) for route in ReferralRoute},
        arrivals_by_route={route: arrivals[route] for route in ReferralRoute},
        by_locality={key: _share(localities[key], total) for key in locality_keys},
        by_month=_by_month(period, total),
        split=_split(period),
        outcomes=_outcomes(period),
        decision_times=_decision_times(period),
    )


def _share(count: int, total: int) -> Share:
    return Share(count, count / total if total else 0.0)


def _by_month(period: Sequence[Referral], total: int) -> dict[str, MonthMix]:
    months: dict[str, list[Referral]] = {}
    for r in sorted(period, key=lambda r: r.received_at):
        months.setdefault(r.received_at.strftime("%Y-%m"), []).append(r)
    return {
        month: MonthMix(
            total=_share(len(items), total),
            predictive=sum(1 for r in items if r.is_predictive),
            direct=sum(1 for r in items if r.route in DIRECT_ROUTES),
        )
        for month, items in months.items()
    }


def _split(period: Sequence[Referral]) -> PredictiveDirectSplit:
    total = len(period)
    predictive = sum(1 for r in period if r.is_predictive)
    deviation = predictive / total - EXPECTED_PREDICTIVE_SHARE if total else None
    return PredictiveDirectSplit(
        predictive=_share(predictive, total),
        direct=_share(total - predictive, total),
        expected_predictive_share=EXPECTED_PREDICTIVE_SHARE,
        deviation=deviation,
        within_expectation=(
            abs(deviation) <= MIX_TOLERANCE + 1e-9 if deviation is not None else None
        ),
    )


def _outcomes(period: Sequence[Referral]) -> TriageOutcomes:
    by_need: Counter[NeedLevel] = Counter()
    by_reason: Counter[ExclusionReason] = Counter()
    awaiting = withdrawn = 0
    for r in period:
        standing = r.standing_decision
        if standing is not None and standing.kind is DecisionKind.INCLUDE and standing.need_level:
            by_need[standing.need_level] += 1
        elif standing is not None and standing.exclusion_reason is not None:
            by_reason[standing.exclusion_reason] += 1
        elif r.is_open:
            awaiting += 1
        else:
            withdrawn += 1
    return TriageOutcomes(
        included=sum(by_need.values()),
        excluded=sum(by_reason.values()),
        awaiting=awaiting,
        withdrawn=withdrawn,
        reversed=sum(
            1 for r in period if any(d.kind is DecisionKind.REVERSAL for d in r.decisions)
        ),
        included_by_need={need: by_need[need] for need in NeedLevel},
        excluded_by_reason={reason: by_reason[reason] for reason in ExclusionReason},
    )


def _decision_times(period: Sequence[Referral]) -> DecisionTimes:
    hours = [
        (decided - r.received_at).total_seconds() / 3600
        for r in period
        if (decided := r.first_decided_at) is not None
    ]
    return DecisionTimes(
        decided=len(hours),
        median_hours=percentile(hours, 0.5),
        p90_hours=percentile(hours, 0.9),
    )
