"""Teams, case managers and practice localities in Postgres."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from caseload.adapters.tables import case_managers, practices, teams
from caseload.domain.vocabulary import Locality, Profession
from caseload.domain.workforce import (
    CaseManager,
    Team,
    TeamKind,
    Weekday,
    Workforce,
    WorkingPattern,
)


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


class WorkforceStore:
    """The workforce half of the repository."""

    session: AsyncSession

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
