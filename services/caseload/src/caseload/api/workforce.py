"""Teams, case managers and practice localities (team leads change them; others read)."""

from typing import Any

from fastapi import APIRouter, Response

from caseload.api.deps import ClockDep, TeamLead, WorkforceReader
from caseload.api.schemas import (
    CaseManagerIn,
    CaseManagerPatch,
    PracticeIn,
    TeamIn,
    TeamPatch,
    manager_view,
    team_view,
)
from caseload.domain.vocabulary import Locality
from caseload.service_layer import workforce as use_case
from caseload.service_layer.state import read_caseloads, repository
from cch_servicekit import RuntimeDep

router = APIRouter(tags=["workforce"])


@router.get("/teams")
async def list_teams(
    runtime: RuntimeDep, _: WorkforceReader, locality: Locality | None = None
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        workforce = await repository(uow).workforce()
    items = [t for t in workforce.teams if locality is None or t.locality is locality]
    return {"items": [team_view(t) for t in items]}


@router.post("/teams", status_code=201)
async def create_team(
    body: TeamIn, runtime: RuntimeDep, _: TeamLead, clock: ClockDep
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        team = await use_case.create_team(
            uow,
            team_id=body.team_id,
            name=body.name,
            locality=body.locality,
            kind=body.kind,
            clock=clock,
        )
        await uow.commit()
    return team_view(team)


@router.get("/teams/{team_id}")
async def get_team(team_id: str, runtime: RuntimeDep, _: WorkforceReader) -> dict[str, Any]:
    async with runtime.uow() as uow:
        workforce = await repository(uow).workforce()
    team = workforce.team(team_id)
    members = [m for m in workforce.case_managers if m.team_id == team_id]
    return {**team_view(team), "members": [manager_view(m) for m in members]}


@router.patch("/teams/{team_id}")
async def update_team(
    team_id: str, body: TeamPatch, runtime: RuntimeDep, _: TeamLead
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        team = await use_case.update_team(uow, team_id, name=body.name, lead_id=body.lead_id)
        await uow.commit()
    return team_view(team)


@router.delete("/teams/{team_id}", status_code=204)
async def delete_team(team_id: str, runtime: RuntimeDep, _: TeamLead) -> Response:
    async with runtime.uow() as uow:
        await use_case.delete_team(uow, team_id)
        await uow.commit()
    return Response(status_code=204)


@router.get("/case-managers")
async def list_case_managers(
    runtime: RuntimeDep,
    _: WorkforceReader,
    locality: Locality | None = None,
    team_id: str | None = None,
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        caseloads = await read_caseloads(uow)
    items = []
    for m in caseloads.workforce.case_managers:
        if (locality and m.locality is not locality) or (team_id and m.team_id != team_id):
            continue
        load = caseloads.ledger.load_of(m.manager_id)
        items.append(manager_view(m, load_points=load.points, cases=load.cases))
    return {"items": items, "total": len(items)}


@router.post("/case-managers", status_code=201)
async def create_case_manager(
    body: CaseManagerIn, runtime: RuntimeDep, _: TeamLead, clock: ClockDep
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        manager = await use_case.create_case_manager(
            uow,
            manager_id=body.manager_id,
            name=body.name,
            profession=body.profession,
            team_id=body.team_id,
            fte=body.fte,
            working_days=body.working_days,
            skills=body.skills,
            capacity_points=body.capacity_points,
            clock=clock,
        )
        await uow.commit()
    return manager_view(manager, load_points=0, cases=0)


@router.get("/case-managers/{manager_id}")
async def get_case_manager(
    manager_id: str, runtime: RuntimeDep, _: WorkforceReader
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        caseloads = await read_caseloads(uow)
    manager = caseloads.workforce.case_manager(manager_id)
    load = caseloads.ledger.load_of(manager_id)
    return manager_view(manager, load_points=load.points, cases=load.cases)


@router.patch("/case-managers/{manager_id}")
async def update_case_manager(
    manager_id: str, body: CaseManagerPatch, runtime: RuntimeDep, _: TeamLead, clock: ClockDep
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        manager = await use_case.update_case_manager(
            uow,
            manager_id,
            name=body.name,
            skills=body.skills,
            fte=body.fte,
            working_days=body.working_days,
            capacity_points=body.capacity_points,
            active=body.active,
            clock=clock,
        )
        await uow.commit()
    return manager_view(manager)


@router.delete("/case-managers/{manager_id}", status_code=204)
async def deactivate_case_manager(
    manager_id: str, runtime: RuntimeDep, _: TeamLead, clock: ClockDep
) -> Response:
    """A case manager who leaves takes no new cases; their cases stay until reassigned."""
    async with runtime.uow() as uow:
        await use_case.update_case_manager(uow, manager_id, active=False, clock=clock)
        await uow.commit()
    return Response(status_code=204)


@router.get("/practices")
async def list_practices(runtime: RuntimeDep, _: WorkforceReader) -> dict[str, Any]:
    async with runtime.uow() as uow:
        workforce = await repository(uow).workforce()
    return {
        "items": [{"practice_code": c, "locality": loc} for c, loc in workforce.practices.items()]
    }


@router.put("/practices/{practice_code}")
async def map_practice(
    practice_code: str, body: PracticeIn, runtime: RuntimeDep, _: TeamLead
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        code = await use_case.map_practice(uow, practice_code, body.locality)
        await uow.commit()
    return {"practice_code": code, "locality": body.locality.value}
