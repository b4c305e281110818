"""The MDT's triage worklist for one practice or practice cluster.

Order: urgent (crisis) referrals first, then the predictive cohort by tier (Highest before
High ...), then the rest oldest first; within each group the oldest waits least longer.
Only active referrals are listed: drafts are not ready and on-hold ones await information.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Locality, Priority, ReferralStatus, tier_rank


def worklist_order(referral: Referral) -> tuple[int, int, datetime, str]:
    """Sort key: urgency, then tier (unscored last), then receipt, then id for stability."""
    urgent = 0 if referral.priority is Priority.URGENT else 1
    return (urgent, tier_rank(referral.tier), referral.received_at, referral.referral_id)


def worklist(
    referrals: Iterable[Referral],
    *,
    practice_codes: Collection[str] | None = None,
    locality: Locality | None = None,
) -> list[Referral]:
    """Referrals awaiting triage for the cluster's practices (all when none named)."""
    wanted = {c.strip().upper() for c in practice_codes} if practice_codes is not None else None
    waiting = [
        r
        for r in referrals
        if r.status is ReferralStatus.ACTIVE
        and (wanted is None or (r.practice_code or "") in wanted)
        and (locality is None or r.locality is locality)
    ]
    return sorted(waiting, key=worklist_order)
