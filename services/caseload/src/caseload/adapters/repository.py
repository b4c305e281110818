"""Rebuilds the caseload domain from Postgres for one command, and writes its changes back.

Assignment reads loads and writes a case under a transaction-level advisory lock per locality,
so two consumers (or a consumer and an API call) can never overfill the same case manager.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from caseload.adapters.tables import (
    OPEN_STATUSES,
    case_managers,
    cases,
    practices,
    review_outcomes,
    teams,
    waiting_list,
)
from caseload.domain.capacity import LoadLedger, case_weight
from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import Case, CaseHistoryEntry
from caseload.domain.mdt_review import MdtReview
from caseload.domain.ownership import Assignment
from caseload.domain.vocabulary import (
    AssignmentKind,
    CaseStatus,
    DischargeReason,
    Locality,
    MostPressingNeed,
    NeedLevel,
    Profession,
    Tier,
)
from caseload.domain.waiting_list import WaitingEntry, WaitingList
from caseload.domain.workforce import (
    CaseManager,
    Team,
    TeamKind,
    Weekday,
    Workforce,
    WorkingPattern,
)


@dataclass(frozen=True, slots=True)
class OpenCaseLoad:
    """The columns of an open case the load ledger needs (no history, no schedule)."""

    case_id: str
    patient_key: str
    locality: Locality
    need_level: NeedLevel
    status: CaseStatus
    tier: Tier | None
    assignment_kind: AssignmentKind | None
    owner_id: str | None

    @property
    def weight(self) -> int:
        return case_weight(self.tier)


def _tier(value: str | None) -> Tier | None:
    return Tier(value) if value else None


def team_from_row(row: Any) -> Team:
    return Team(row.team_id, row.name, Locality(row.locality), TeamKind(row.kind), row.lead_id)


def manager_from_row(row: Any) -> CaseManager:
    return CaseManager(
        manager_id=row.manager_id,
        name=row.name,
        profession=Profession(row.profession),
        team_id=row.team_id,
        locality=Locality(row.locality),
        pattern=WorkingPattern(row.fte, frozenset(Weekday(d) for d in row.working_days)),
        capacity_points=row.capacity_points,
        skills=frozenset(row.skills),
        active=row.active,
    )


def manager_values(m: CaseManager, now: datetime) -> dict[str, Any]:
    return {
        "manager_id": m.manager_id,
        "name": m.name,
        "profession": m.profession.value,
        "team_id": m.team_id,
        "locality": m.locality.value,
        "fte": m.pattern.fte,
        "working_days": sorted(d.value for d in m.pattern.days),
        "capacity_points": m.capacity_points,
        "skills": sorted(m.skills),
        "active": m.active,
        "updated_at": now,
    }


def case_from_row(row: Any) -> Case:
    kind = AssignmentKind(row.assignment_kind) if row.assignment_kind else None
    owner = row.case_manager_id if kind is AssignmentKind.CASE_MANAGER else row.team_id
    return Case(
        case_id=row.case_id,
        patient_key=row.patient_key,
        need_level=NeedLevel(row.need_level),
        locality=Locality(row.locality),
        most_pressing_need=MostPressingNeed(row.most_pressing_need),
        opened_at=row.opened_at,
        tier=_tier(row.tier),
        practice_code=row.practice_code,
        referral_id=row.referral_id,
        status=CaseStatus(row.status),
        assignment=Assignment(kind, owner) if kind else None,
        assigned_on=row.assigned_on,
        review_interval_days=row.review_interval_days,
        last_review_on=row.last_review_on,
        next_review_on=row.next_review_on,
        review_due_notified_on=row.review_announced_for,
        early_review=row.early_review,
        discharge_reason=DischargeReason(row.discharge_reason) if row.discharge_reason else None,
        closed_at=row.closed_at,
        history=[
            CaseHistoryEntry(datetime.fromisoformat(h["at"]), h["action"], h["detail"], h.get("by"))
            for h in row.history
        ],
    )


def case_values(case: Case) -> dict[str, Any]:
    kind = case.assignment_kind
    return {
        "case_id": case.case_id,
        "patient_key": case.patient_key,
        "referral_id": case.referral_id,
        "need_level": case.need_level.value,
        "most_pressing_need": case.most_pressing_need.value,
        "tier": case.tier.value if case.tier else None,
        "locality": case.locality.value,
        "practice_code": case.practice_code,
        "status": case.status.value,
        "assignment_kind": kind.value if kind else None,
        "case_manager_id": case.case_manager_id,
        "team_id": case.owner_id if kind is AssignmentKind.INTEGRATED_TEAM else None,
        "assigned_on": case.assigned_on,
        "review_interval_days": case.review_interval_days,
        "last_review_on": case.last_review_on,
        "next_review_on": case.next_review_on,
        "review_announced_for": case.review_due_notified_on,
        "early_review": case.early_review,
        "discharge_reason": case.discharge_reason.value if case.discharge_reason else None,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "history": [
            {"at": h.at.isoformat(), "action": h.action, "detail": h.detail, "by": h.by}
            for h in case.history
        ],
    }


class CaseloadRepository:
    """Postgres-backed persistence of the workforce, cases and waiting list."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.nhs_numbers: dict[str, str | None] = {}

    # --- concurrency --------------------------------------------------------------------------
    async def lock_localities(self, localities: Iterable[Locality]) -> None:
        """Serialise assignments per locality until this transaction ends (sorted: no deadlock)."""
        for locality in sorted(set(localities)):
            await self.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"caseload-locality-{locality.value}"},
            )

    # --- workforce ----------------------------------------------------------------------------
    async def workforce(self) -> Workforce:
        workforce = Workforce()
        for row in await self.session.execute(sa.select(teams).order_by(teams.c.team_id)):
            workforce.add_team(team_from_row(row))
        managers = sa.select(case_managers).order_by(case_managers.c.manager_id)
        for row in await self.session.execute(managers):
            workforce.add_case_manager(manager_from_row(row))
        for row in await self.session.execute(sa.select(practices)):
            workforce.map_practice(row.practice_code, row.locality)
        return workforce

    async def has_workforce(self) -> bool:
        found = await self.session.execute(sa.select(teams.c.team_id).limit(1))
        return found.first() is not None

    async def manager_locality(self, manager_id: str) -> Locality | None:
        found = await self.session.scalar(
            sa.select(case_managers.c.locality).where(case_managers.c.manager_id == manager_id)
        )
        return Locality(found) if found else None

    async def practice_locality(self, practice_code: str | None) -> Locality | None:
        if not practice_code:
            return None
        found = await self.session.scalar(
            sa.select(practices.c.locality).where(
                practices.c.practice_code == practice_code.strip().upper()
            )
        )
        return Locality(found) if found else None

    async def insert_team(self, team: Team, now: datetime) -> None:
        await self.session.execute(
            sa.insert(teams).values(
                team_id=team.team_id,
                name=team.name,
                locality=team.locality.value,
                kind=team.kind.value,
                lead_id=team.lead_id,
                created_at=now,
            )
        )

    async def update_team(self, team: Team) -> None:
        await self.session.execute(
            sa.update(teams)
            .where(teams.c.team_id == team.team_id)
            .values(name=team.name, lead_id=team.lead_id)
        )

    async def delete_team(self, team_id: str) -> None:
        await self.session.execute(sa.delete(teams).where(teams.c.team_id == team_id))

    async def insert_manager(self, manager: CaseManager, now: datetime) -> None:
        await self.session.execute(
            sa.insert(case_managers).values(**manager_values(manager, now), created_at=now)
        )

    async def update_manager(self, manager: CaseManager, now: datetime) -> None:
        values = manager_values(manager, now)
        await self.session.execute(
            sa.update(case_managers)
            .where(case_managers.c.manager_id == manager.manager_id)
            .values(**values)
        )

    async def map_practice(self, practice_code: str, locality: Locality) -> None:
        stmt = insert(practices).values(practice_code=practice_code, locality=locality.value)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["practice_code"], set_={"locality": locality.value}
            )
        )

    # --- caseload aggregates ------------------------------------------------------------------
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
                tier=_tier(r.tier),
                assignment_kind=AssignmentKind(r.assignment_kind) if r.assignment_kind else None,
                owner_id=r.case_manager_id or r.team_id,
            )
            for r in rows
        )
        return Caseloads(workforce, ledger, await self.waiting_list())

    async def waiting_list(self) -> WaitingList:
        waiting = WaitingList()
        for r in await self.session.execute(sa.select(waiting_list).order_by("sequence")):
            waiting.add(
                WaitingEntry(
                    case_id=r.case_id,
                    patient_key=r.patient_key,
                    locality=Locality(r.locality),
                    most_pressing_need=MostPressingNeed(r.most_pressing_need),
                    tier=_tier(r.tier),
                    waitlisted_at=r.waitlisted_at,
                    reason=r.reason,
                    sequence=r.sequence,
                )
            )
        return waiting

    # --- cases --------------------------------------------------------------------------------
    def _remember(self, row: Any) -> Case:
        self.nhs_numbers[row.case_id] = row.nhs_number
        return case_from_row(row)

    async def case_id_for_referral(self, referral_id: str) -> str | None:
        found = await self.session.scalar(
            sa.select(cases.c.case_id).where(cases.c.referral_id == referral_id)
        )
        return str(found) if found else None

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        query = sa.select(cases).where(cases.c.case_id == case_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return self._remember(row) if row else None

    async def open_case_of(self, patient_key: str, *, for_update: bool = False) -> Case | None:
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

    async def add(self, case: Case, *, nhs_number: str | None, now: datetime) -> None:
        self.nhs_numbers[case.case_id] = nhs_number
        await self.session.execute(
            sa.insert(cases).values(**case_values(case), nhs_number=nhs_number, updated_at=now)
        )

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
        stmt = insert(waiting_list).values(
            case_id=entry.case_id,
            patient_key=entry.patient_key,
            locality=entry.locality.value,
            most_pressing_need=entry.most_pressing_need.value,
            tier=entry.tier.value if entry.tier else None,
            waitlisted_at=entry.waitlisted_at,
            reason=entry.reason,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["case_id"], set_={"tier": stmt.excluded.tier}
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
