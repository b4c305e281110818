"""The MDT's triage worklist for one practice or practice cluster.

Default order (`priority`): urgent (crisis) referrals first, then the predictive cohort by tier
(Highest before High ...), then the rest oldest first; within each group the oldest waits least
longer. The MDT may instead order by when the referrer wants the patient seen (`when-to-see`):
urgent still first, then the soonest due, undated referrals after every dated one (in the
default order). Only active referrals are listed: drafts are not ready and on-hold ones await
information.

A referral is due at the end of the window the referrer gave (see by), or at its start when
the window has no end (see from); "due by" a day means due at or before that day's end (UTC,
as stored dates are).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Locality, Priority, ReferralStatus, tier_rank


class WorklistOrder(StrEnum):
    """How the MDT wants the worklist ordered."""

    PRIORITY = "priority"
    WHEN_TO_SEE = "when-to-see"


def due_at(referral: Referral) -> datetime | None:
    """When the referral falls due: the window's end, else its start (None: no date given)."""
    when = referral.when_to_see
    if when is None:
        return None
    return when.latest or when.earliest


def end_of_day(day: date) -> datetime:
    """The last instant of a day (UTC): what "due by" that day compares against."""
    return datetime.combine(day, time.max, UTC)


def is_due_by(referral: Referral, day: date) -> bool:
    """Due at or before the end of `day` (a referral with no date is never due by one)."""
    due = due_at(referral)
    return due is not None and due <= end_of_day(day)


def worklist_order(referral: Referral) -> tuple[int, int, datetime, str]:
    """Sort key: urgency, then tier (unscored last), then receipt, then id for stability."""
    urgent = 0 if referral.priority is Priority.URGENT else 1
    return (urgent, tier_rank(referral.tier), referral.received_at, referral.referral_id)


def when_to_see_order(referral: Referral) -> tuple[int, int, datetime, tuple[Any, ...]]:
    """Sort key: urgency, then the soonest due (undated last), then the default order."""
    urgent = 0 if referral.priority is Priority.URGENT else 1
    due = due_at(referral)
    return (
        urgent,
        0 if due is not None else 1,
        due or datetime.max.replace(tzinfo=UTC),
        worklist_order(referral),
    )


_ORDERS: dict[WorklistOrder, Callable[[Referral], tuple[Any, ...]]] = {
    WorklistOrder.PRIORITY: worklist_order,
    WorklistOrder.WHEN_TO_SEE: when_to_see_order,
}


def worklist(
    referrals: Iterable[Referral],
    *,
    practice_codes: Collection[str] | None = None,
    locality: Locality | None = None,
    order: WorklistOrder = WorklistOrder.PRIORITY,
    due_by: date | None = None,
) -> list[Referral]:
    """Referrals awaiting triage for the cluster's practices (all when none named).

    `due_by` keeps only those due by that day (see the module docstring).
    """
    wanted = {c.strip().upper() for c in practice_codes} if practice_codes is not None else None
    waiting = [
        r
        for r in referrals
        if r.status is ReferralStatus.ACTIVE
        and (wanted is None or (r.practice_code or "") in wanted)
        and (locality is None or r.locality is locality)
        and (due_by is None or is_due_by(r, due_by))
    ]
    return sorted(waiting, key=_ORDERS[order])
