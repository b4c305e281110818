"""Cases opened for accepted referrals, written together just before the transaction commits.

A consumer batch opens hundreds of cases: one multi-row INSERT at commit instead of a round trip
per case. The domain already refuses a second open case for a patient, so the only clash left is
an acceptance of a referral whose case has since closed (a replay, or the MDT including the
patient again): the batch opens episode 1, which that referral already has. Then the whole
transaction fails (nothing is stored or published), and the referral is remembered so that the
consumer's one-by-one retry asks the database which episode, if any, the acceptance opens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from caseload.adapters.case_rows import case_values, waiting_values
from caseload.adapters.tables import cases, waiting_list
from caseload.domain.cases import Case
from caseload.domain.waiting_list import WaitingEntry

_replayed: set[str] = set()


class ReplayedReferral(Exception):
    """A referral that already has a (closed) case was accepted again; retry one by one."""


def _key(row: Any) -> tuple[str | None, int]:
    return (row["referral_id"], row["referral_episode"])


def seen_replayed(referral_id: str | None) -> bool:
    """Whether this referral made a batch fail as a replay (check the database before opening)."""
    return referral_id in _replayed


def settle_replay(referral_id: str | None) -> None:
    _replayed.discard(referral_id or "")


class StagedCases:
    """New cases (and their waiting-list places) held until flush or commit."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._cases: list[dict[str, Any]] = []
        self._waiting: list[dict[str, Any]] = []
        self._hooked = False

    def add(
        self, case: Case, *, nhs_number: str | None, now: datetime, waiting: WaitingEntry | None
    ) -> None:
        self._cases.append({**case_values(case), "nhs_number": nhs_number, "updated_at": now})
        if waiting is not None:
            self._waiting.append(waiting_values(waiting))
        if not self._hooked:
            event.listen(self.session.sync_session, "before_commit", self._write)
            self._hooked = True

    async def flush(self) -> None:
        """Write what is staged now (before reading cases back in the same transaction)."""
        if self._cases:
            await self.session.run_sync(self._write)

    def _write(self, session: Session) -> None:
        # sync: runs inside the AsyncSession's greenlet, at flush or from the commit hook
        if not self._cases:
            return
        rows, self._cases = self._cases, []
        waiting, self._waiting = self._waiting, []
        stmt = (
            insert(cases)
            .on_conflict_do_nothing(index_elements=["referral_id", "referral_episode"])
            .returning(cases.c.referral_id, cases.c.referral_episode)
        )
        stored = {(r.referral_id, r.referral_episode) for r in session.execute(stmt, rows)}
        replays = [r["referral_id"] for r in rows if _key(r) not in stored]
        if replays:
            _replayed.update(replays)
            raise ReplayedReferral(f"{len(replays)} referral(s) already had a case: {replays[:5]}")
        if waiting:
            session.execute(sa.insert(waiting_list), waiting)
