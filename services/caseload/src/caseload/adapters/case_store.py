"""Cases, the waiting list and MDT review outcomes in Postgres, and the per-locality locks.

Assignment reads loads and writes a case under a transaction-level advisory lock per locality,
so two consumers (or a consumer and an API call) can never overfill the same case manager.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from caseload.adapters.case_rows import (
    OpenCaseLoad,
    case_from_row,
    case_values,
    tier_of,
    waiting_entry_from_row,
    waiting_values,
)
from caseload.adapters.new_cases import StagedCases
from caseload.adapters.tables import (
    OPEN_STATUSES,
    cases,
    domain_generation,
    review_outcomes,
    waiting_list,
)
from caseload.domain.capacity import LoadLedger
from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import Case
from caseload.domain.episodes import Episode
from caseload.domain.mdt_review import MdtReview
from caseload.domain.vocabulary import (
    AssignmentKind,
    CaseStatus,
    Locality,
    NeedLevel,
)
from caseload.domain.waiting_list import WaitingList
from caseload.domain.workforce import Workforce


class CaseStore:
    """The cases half of the repository; remembers the NHS numbers of cases it loaded."""

    session: AsyncSession
    nhs_numbers: dict[str, str | None]
    staged: StagedCases

    async def lock_localities(self, localities: Iterable[Locality]) -> None:
        """Serialise assignments per locality until this transaction ends (sorted: no deadlock)."""
        for locality in sorted(set(localities)):
            await self.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"caseload-locality-{locality.value}"},
            )

    async def generation(self) -> tuple[int, int]:
        """The stored domain stamp, and this transaction's id (what it will stamp if it writes)."""
        query = sa.select(domain_generation.c.generation, sa.func.txid_current()).where(
            domain_generation.c.id == 1
        )
        stamp, own = (await self.session.execute(query)).one()
        return int(stamp), int(own)

    async def caseloads(self, workforce: Workforce) -> Caseloads:
        """The domain over every open case's load and the stored waiting list."""
        query = sa.select(
            cases.c.case_id,
            cases.c.patient_key,
            cases.c.locality,
            cases.c.need_level,
            cases.c.status,
            cases.c.tier,
            cases.c.assignment_kind,
            cases.c.case_manager_id,
            cases.c.team_id,
        ).where(cases.c.status.in_(OPEN_STATUSES))
        rows = (await self.session.execute(query)).all()
        ledger = LoadLedger.from_cases(
            OpenCaseLoad(
                case_id=r.case_id,
                patient_key=r.patient_key,
                locality=Locality(r.locality),
                need_level=NeedLevel(r.need_level),
                status=CaseStatus(r.status),
                tier=tier_of(r.tier),
                assignment_kind=AssignmentKind(r.assignment_kind) if r.assignment_kind else None,
                owner_id=r.case_manager_id or r.team_id,
            )
            for r in rows
        )
        return Caseloads(workforce, ledger, await self.waiting_list())

    async def waiting_list(self) -> WaitingList:
        await self.staged.flush()
        waiting = WaitingList()
        for r in await self.session.execute(sa.select(waiting_list).order_by("sequence")):
            waiting.add(waiting_entry_from_row(r))
        return waiting

    def _remember(self, row: Any) -> Case:
        self.nhs_numbers[row.case_id] = row.nhs_number
        return case_from_row(row)

    async def case_id_for_referral(self, referral_id: str) -> str | None:
        """The referral's latest episode: the case its later changes apply to."""
        await self.staged.flush()
        found = await self.session.scalar(
            sa.select(cases.c.case_id)
            .where(cases.c.referral_id == referral_id)
            .order_by(cases.c.referral_episode.desc())
            .limit(1)
        )
        return str(found) if found else None

    async def episodes_of_referral(self, referral_id: str) -> list[Episode]:
        """Every case opened from a referral (to tell a new inclusion from one answered)."""
        await self.staged.flush()
        query = sa.select(
            cases.c.case_id,
            cases.c.referral_episode,
            cases.c.status,
            cases.c.opened_at,
            cases.c.included_at,
            cases.c.included_version,
            cases.c.closed_at,
        ).where(cases.c.referral_id == referral_id)
        return [
            Episode(
                case_id=r.case_id,
                episode=r.referral_episode,
                status=CaseStatus(r.status),
                opened_at=r.opened_at,
                included_at=r.included_at,
                included_version=r.included_version,
                closed_at=r.closed_at,
            )
            for r in await self.session.execute(query)
        ]

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        await self.staged.flush()
        query = sa.select(cases).where(cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return self._remember(row) if row else None

    async def open_case_of(self, patient_key: str, *, for_update: bool = False) -> Case | None:
        await self.staged.flush()
        query = sa.select(cases).where(
            cases.c.patient_key == patient_key, cases.c.status.in_(OPEN_STATUSES)
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return self._remember(row) if row else None

    async def has_waiting(self, locality: Locality) -> bool:
        query = sa.select(waiting_list.c.case_id).where(waiting_list.c.locality == locality.value)
        return (await self.session.execute(query.limit(1))).first() is not None

    async def waiting_cases(self, locality: Locality | None = None) -> dict[str, Case]:
        await self.staged.flush()
        query = sa.select(cases).where(cases.c.status == CaseStatus.WAITING.value)
        if locality is not None:
            query = query.where(cases.c.locality == locality.value)
        rows = await self.session.execute(query.with_for_update())
        return {r.case_id: self._remember(r) for r in rows}

    async def due_for_announcement(self, today: date, *, limit: int) -> list[Case]:
        """Active cases due by today not yet announced for their due date (claimed, skip locked)."""
        query = (
            sa.select(cases)
            .where(
                cases.c.status == CaseStatus.ACTIVE.value,
                cases.c.next_review_on <= today,
                sa.or_(
                    cases.c.review_announced_for.is_(None),
                    cases.c.review_announced_for != cases.c.next_review_on,
                ),
            )
            .order_by(cases.c.next_review_on)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [self._remember(r) for r in await self.session.execute(query)]

    def stage_new(
        self, case: Case, *, nhs_number: str | None, now: datetime, waiting: WaitingList
    ) -> None:
        """Open a case for a referral: written with the others at flush or commit."""
        self.nhs_numbers[case.case_id] = nhs_number
        self.staged.add(case, nhs_number=nhs_number, now=now, waiting=waiting.get(case.case_id))

    async def save(self, case: Case, *, now: datetime) -> None:
        await self.session.execute(
            sa.update(cases)
            .where(cases.c.case_id == case.case_id)
            .values(**case_values(case), updated_at=now)
        )

    async def sync_waiting(self, case: Case, waiting: WaitingList) -> None:
        """Keep the stored waiting list in line with the domain's for this case."""
        entry = waiting.get(case.case_id)
        if entry is None or case.status is not CaseStatus.WAITING:
            await self.session.execute(
                sa.delete(waiting_list).where(waiting_list.c.case_id == case.case_id)
            )
            return
        stmt = insert(waiting_list).values(**waiting_values(entry))
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["case_id"],
                set_={"tier": stmt.excluded.tier, "on_hold": stmt.excluded.on_hold},
            )
        )

    async def record_review(self, case_id: str, review: MdtReview) -> None:
        target = review.transfer_to
        await self.session.execute(
            sa.insert(review_outcomes).values(
                id=uuid.uuid4(),
                case_id=case_id,
                outcome=review.outcome.value,
                decided_by=review.decided_by,
                reviewed_at=review.reviewed_at,
                notes=review.notes,
                plan_summary=review.plan_summary,
                transfer_to=None
                if target is None
                else {
                    "case_manager_id": target.case_manager.manager_id
                    if target.case_manager
                    else None,
                    "setting": target.setting.value if target.setting else None,
                    "team_id": target.team_id,
                },
                discharge_reason=review.discharge_reason.value if review.discharge_reason else None,
                criteria_met=list(review.criteria_met),
                next_review_in_days=review.next_review_in_days,
            )
        )

    async def reviews_of(self, case_id: str) -> list[Any]:
        query = (
            sa.select(review_outcomes)
            .where(review_outcomes.c.case_id == case_id)
            .order_by(review_outcomes.c.reviewed_at)
        )
        return list((await self.session.execute(query)).all())
