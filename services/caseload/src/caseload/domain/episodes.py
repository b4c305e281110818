"""Episodes of case management opened from one referral.

The MDT may include a patient again through the same referral after their case closed (it
reversed its decision once the patient deteriorated after discharge, say). That opens a new case,
the next episode, with its own owner or waiting-list place; the closed case stays as history.

What makes an inclusion new is its decision time: a case answers every inclusion of its referral
up to the one standing on it (`included_at`, moved on when the MDT confirms or corrects the
inclusion while the case is open). A redelivered or older decision opens nothing, however often
it arrives and whatever event id it carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from caseload.domain.vocabulary import CLOSED_STATUSES, CaseStatus

FIRST_EPISODE = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Episode:
    """One case opened from a referral, as far as deciding on a later inclusion needs."""

    case_id: str
    episode: int
    status: CaseStatus
    opened_at: datetime
    included_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def answered_up_to(self) -> datetime:
        """The latest inclusion this case answers (cases stored before `included_at` existed
        answer everything decided before they opened)."""
        return self.included_at or self.opened_at


@dataclass(frozen=True, slots=True, kw_only=True)
class NextEpisode:
    """Where a new inclusion starts: its episode number, and the closed case it follows."""

    episode: int
    follows: Episode | None = None

    @property
    def summary(self) -> str:
        """How the new case's history names what it follows."""
        before = self.follows
        if before is None:
            return f"episode {self.episode}"
        closed = f" on {before.closed_at.date().isoformat()}" if before.closed_at else ""
        return f"episode {self.episode}, after case {before.case_id} ({before.status}{closed})"


def next_episode(earlier: Iterable[Episode], *, decided_at: datetime | None) -> NextEpisode | None:
    """The episode an inclusion decided at `decided_at` opens, or None when a case answers it.

    None also while an earlier episode is still open: the open case follows the decision.
    A decision without a time cannot be told from one already answered, so it opens nothing
    once the referral has a case.
    """
    episodes = sorted(earlier, key=lambda e: e.episode)
    if not episodes:
        return NextEpisode(episode=FIRST_EPISODE)
    latest = episodes[-1]
    if any(e.status not in CLOSED_STATUSES for e in episodes):
        return None
    if decided_at is None or decided_at <= max(e.answered_up_to for e in episodes):
        return None
    return NextEpisode(episode=latest.episode + 1, follows=latest)
