"""Workforce use cases: teams, case managers and practices, checked by the domain's rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sqlalchemy as sa

from caseload.adapters.tables import cases
from caseload.domain.errors import InvalidWorkforce, UnknownCaseManager
from caseload.domain.vocabulary import Locality, Profession
from caseload.domain.workforce import (
    CaseManager,
    Team,
    TeamKind,
    Weekday,
    Workforce,
    WorkingPattern,
    new_case_manager,
)
from caseload.service_layer.errors import AlreadyExists, TeamNotEmpty
from caseload.service_layer.state import locked_caseloads, repository
from cch_contracts.clock import Clock
from cch_messaging import MessagingUnitOfWork


async def create_team(
    uow: MessagingUnitOfWork,
    *,
    team_id: str,
    name: str,
    locality: Locality,
    kind: TeamKind,
    clock: Clock,
) -> Team:
    repo = repository(uow)
    workforce = await repo.workforce()
    if team_id in {t.team_id for t in workforce.teams}:
        raise AlreadyExists(f"team {team_id} already exists")
    team = workforce.add_team(Team(team_id, name, locality, kind))
    await repo.insert_team(team, clock.now())
    return team


async def update_team(
    uow: MessagingUnitOfWork, team_id: str, *, name: str | None, lead_id: str | None
) -> Team:
    repo = repository(uow)
    workforce = await repo.workforce()
    team = workforce.team(team_id)
    if name is not None:
        team = replace(team, name=name)
    if lead_id is not None:
        lead = workforce.case_manager(lead_id)
        if lead.team_id != team_id:
            raise UnknownCaseManager(f"{lead.name} is not a member of team {team_id}")
        team = replace(team, lead_id=lead_id)
    await repo.update_team(team)
    return team


async def delete_team(uow: MessagingUnitOfWork, team_id: str) -> None:
    repo = repository(uow)
    workforce = await repo.workforce()
    team = workforce.team(team_id)
    members = [m for m in workforce.case_managers if m.team_id == team_id]
    held = await uow.session.scalar(
        sa.select(sa.func.count()).select_from(cases).where(cases.c.team_id == team_id)
    )
    if members or held:
        raise TeamNotEmpty(
            f"{team.name} has {len(members)} case manager(s) and {held} case(s): move them first"
        )
    await repo.delete_team(team_id)


async def create_case_manager(
    uow: MessagingUnitOfWork,
    *,
    manager_id: str,
    name: str,
    profession: Profession,
    team_id: str,
    fte: float,
    working_days: Iterable[Weekday] | None,
    skills: Iterable[str],
    capacity_points: int | None,
    clock: Clock,
) -> CaseManager:
    repo = repository(uow)
    workforce = await repo.workforce()
    if manager_id in {m.manager_id for m in workforce.case_managers}:
        raise AlreadyExists(f"case manager {manager_id} already exists")
    pattern = WorkingPattern(fte, frozenset(working_days)) if working_days else WorkingPattern(fte)
    manager = workforce.add_case_manager(
        new_case_manager(
            manager_id=manager_id,
            name=name,
            profession=profession,
            team=workforce.team(team_id),
            pattern=pattern,
            skills=skills,
            capacity_points=capacity_points,
        )
    )
    await repo.insert_manager(manager, clock.now())
    return manager


async def update_case_manager(
    uow: MessagingUnitOfWork,
    manager_id: str,
    *,
    name: str | None = None,
    skills: Iterable[str] | None = None,
    fte: float | None = None,
    working_days: Iterable[Weekday] | None = None,
    capacity_points: int | None = None,
    active: bool | None = None,
    clock: Clock,
) -> CaseManager:
    """Change a case manager; capacity (or FTE) never below the load already carried."""
    repo = repository(uow)
    locality = await repo.manager_locality(manager_id)
    if locality is None:
        raise UnknownCaseManager(f"unknown case manager {manager_id!r}")
    caseloads = await locked_caseloads(uow, [locality])
    workforce: Workforce = caseloads.workforce
    load = caseloads.ledger.load_of(manager_id).points
    manager = workforce.case_manager(manager_id)
    if fte is not None or working_days is not None:
        days = frozenset(working_days) if working_days is not None else manager.pattern.days
        manager = workforce.set_working_pattern(
            manager_id,
            WorkingPattern(fte if fte is not None else manager.pattern.fte, days),
            current_load_points=load,
        )
    if capacity_points is not None:
        manager = workforce.set_capacity(manager_id, capacity_points, current_load_points=load)
    if active is not None:
        manager = workforce.set_active(manager_id, active)
    if name is not None or skills is not None:
        manager = replace(
            manager,
            name=name if name is not None else manager.name,
            skills=frozenset(s.strip().lower() for s in skills)
            if skills is not None
            else manager.skills,
        )
    await repo.update_manager(manager, clock.now())
    return manager


async def map_practice(uow: MessagingUnitOfWork, practice_code: str, locality: Locality) -> str:
    code = practice_code.strip().upper()
    if not code.isalnum() or len(code) > 16:
        raise InvalidWorkforce(f"practice code {practice_code!r} must be 1-16 letters and digits")
    await repository(uow).map_practice(code, locality)
    return code


async def seed_workforce(uow: MessagingUnitOfWork, workforce: Workforce, *, clock: Clock) -> bool:
    """Load a workforce once: nothing happens when teams already exist."""
    repo = repository(uow)
    await uow.session.execute(
        sa.text("SELECT pg_advisory_xact_lock(hashtext('caseload-seed-workforce'))")
    )
    if await repo.has_workforce():
        return False
    now = clock.now()
    for team in workforce.teams:
        await repo.insert_team(team, now)
    for manager in workforce.case_managers:
        await repo.insert_manager(manager, now)
    for code, locality in workforce.practices.items():
        await repo.map_practice(code, locality)
    return True
