"""Episodes of case management opened from one referral.

The MDT may include a patient again through the same referral after their case closed (it
reversed its decision once the patient deteriorated after discharge, say). That opens a new case,
the next episode, with its own owner or waiting-list place; the closed case stays as history.

What makes an inclusion new is its triage decision version: referrals numbers every decision on a
referral, so (referral id, decision version) names one inclusion. A case answers every inclusion
of its referral up to the one standing on it (`included_version`, moved on when the MDT confirms
or corrects the inclusion while the case is open). A redelivered or older decision opens nothing,
however often it arrives and whatever event id it carries. The decision time cannot order them:
the MDT may backdate a decision to any time after receipt, so a re-inclusion can be dated before
the inclusion it follows. Only where the version is missing (events sent before referrals added
it, cases stored before then) does the decision time decide, as it did before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from caseload.domain.vocabulary import CLOSED_STATUSES, CaseStatus

FIRST_EPISODE = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Inclusion:
    """One MDT inclusion of a referral: its decision version where the event names it, and when
    it was decided."""

    decided_at: datetime | None
    version: int | None = None

    def is_later_than(self, answered: Iterable[Inclusion]) -> bool:
        """Whether this inclusion is newer than every one in `answered` (those a case answers).

        Versions order inclusions when both sides have one (the highest answered stands for all
        before it); otherwise the decision time does. An inclusion with neither cannot be told
        from one answered, so it is not later; nothing answered with either (a case stored
        before caseload kept them) answers nothing.
        """
        answered = list(answered)
        versions = [a.version for a in answered if a.version is not None]
        if self.version is not None and versions:
            return self.version > max(versions)
        times = [a.decided_at for a in answered if a.decided_at is not None]
        if not times:
            return True
        return self.decided_at is not None and self.decided_at > max(times)


@dataclass(frozen=True, slots=True, kw_only=True)
class Episode:
    """One case opened from a referral, as far as deciding on a later inclusion needs."""

    case_id: str
    episode: int
    status: CaseStatus
    opened_at: datetime
    included_at: datetime | None = None
    included_version: int | None = None
    closed_at: datetime | None = None

    @property
    def answered(self) -> Inclusion:
        """The latest inclusion this case answers (cases stored before `included_at` existed
        answer everything decided before they opened)."""
        return Inclusion(
            decided_at=self.included_at or self.opened_at, version=self.included_version
        )


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


def next_episode(
    earlier: Iterable[Episode], *, decided_at: datetime | None, decision_version: int | None = None
) -> NextEpisode | None:
    """The episode an inclusion opens, or None when a case of the referral answers it.

    None also while an earlier episode is still open: the open case follows the decision.
    A decision with neither a version nor a time cannot be told from one already answered, so
    it opens nothing once the referral has a case.
    """
    episodes = sorted(earlier, key=lambda e: e.episode)
    if not episodes:
        return NextEpisode(episode=FIRST_EPISODE)
    latest = episodes[-1]
    if any(e.status not in CLOSED_STATUSES for e in episodes):
        return None
    inclusion = Inclusion(decided_at=decided_at, version=decision_version)
    if not inclusion.is_later_than(e.answered for e in episodes):
        return None
    return NextEpisode(episode=latest.episode + 1, follows=latest)
