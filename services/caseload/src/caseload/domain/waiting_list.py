"""Severe-need patients waiting for a fitting case manager with capacity.

Order: highest tier first (unscored last), then oldest, then arrival sequence. Patients compete
only within their pool (locality and most pressing need): a waiting patient never blocks another
locality or need, but within a pool nobody overtakes a waiting patient of equal or higher
priority, so freed capacity is held for the head of the queue.

A patient whose referral is on hold keeps their place but is passed over: they hold up nobody
(freed capacity goes to the next in their pool, a newcomer does not queue behind them) and are
placed when the referral resumes, if there is room then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from caseload.domain.errors import NotOnWaitingList
from caseload.domain.vocabulary import Locality, MostPressingNeed, Tier, tier_rank

Pool = tuple[Locality, MostPressingNeed]


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingEntry:
    """One patient waiting, with why and since when."""

    case_id: str
    patient_key: str
    locality: Locality
    most_pressing_need: MostPressingNeed
    tier: Tier | None
    waitlisted_at: datetime
    reason: str
    sequence: int = 0
    on_hold: bool = False

    @property
    def pool(self) -> Pool:
        """Who this patient competes with for capacity."""
        return (self.locality, self.most_pressing_need)

    @property
    def priority(self) -> tuple[int, datetime, int]:
        """Sort key: highest tier first, then oldest, then first recorded."""
        return (tier_rank(self.tier), self.waitlisted_at, self.sequence)


class WaitingList:
    """The waiting list, FIFO within priority."""

    def __init__(self) -> None:
        self._entries: dict[str, WaitingEntry] = {}
        self._pool_ranks: dict[Pool, Counter[int]] = {}
        self._last_sequence = 0

    def add(self, entry: WaitingEntry) -> WaitingEntry:
        """Put a patient on the list; re-adding keeps their place, a stored sequence is kept."""
        existing = self._entries.get(entry.case_id)
        if existing is not None:
            return existing
        sequence = entry.sequence or self._last_sequence + 1
        self._last_sequence = max(self._last_sequence, sequence)
        stamped = replace(entry, sequence=sequence)
        self._put(stamped)
        return stamped

    def _put(self, entry: WaitingEntry) -> None:
        self._entries[entry.case_id] = entry
        if not entry.on_hold:  # a held patient is queued behind by no one
            self._pool_ranks.setdefault(entry.pool, Counter())[tier_rank(entry.tier)] += 1

    def _take(self, case_id: str) -> WaitingEntry | None:
        entry = self._entries.pop(case_id, None)
        if entry is not None and not entry.on_hold:
            self._pool_ranks[entry.pool][tier_rank(entry.tier)] -= 1
        return entry

    def remove(self, case_id: str) -> WaitingEntry:
        """Take a patient off the list (assigned, discharged)."""
        entry = self._take(case_id)
        if entry is None:
            raise NotOnWaitingList(f"case {case_id} is not on the waiting list")
        return entry

    def discard(self, case_id: str) -> None:
        """Take a patient off the list if there."""
        self._take(case_id)

    def retier(self, case_id: str, tier: Tier | None) -> None:
        """A tier change moves the patient within the list, keeping their waiting time."""
        entry = self._take(case_id)
        if entry is not None:
            self._put(replace(entry, tier=tier))

    def hold(self, case_id: str, *, on_hold: bool) -> bool:
        """Pass a patient over while their referral is on hold, or no longer; the place is kept.

        False when the patient is not waiting or already in that state.
        """
        entry = self._entries.get(case_id)
        if entry is None or entry.on_hold == on_hold:
            return False
        self._take(case_id)
        self._put(replace(entry, on_hold=on_hold))
        return True

    def ordered(self) -> list[WaitingEntry]:
        """Entries in the order capacity goes to them."""
        return sorted(self._entries.values(), key=lambda e: e.priority)

    def outranking(self, pool: Pool, tier: Tier | None) -> int:
        """How many waiting patients in a pool a new patient of this tier must queue behind
        (those on hold excepted)."""
        ranks = self._pool_ranks.get(pool)
        if not ranks:
            return 0
        rank = tier_rank(tier)
        return sum(n for r, n in ranks.items() if r <= rank)

    def get(self, case_id: str) -> WaitingEntry | None:
        """A patient's entry, if waiting."""
        return self._entries.get(case_id)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[WaitingEntry]:
        return iter(self.ordered())
