"""Events the careplans service applies (each once, through the inbox)."""

from typing import Any

from careplans.service_layer.pathway_plans import (
    adjust_plan,
    complete_plan,
    draft_plan_for_assignment,
    transfer_case,
    withdraw_plan,
)
from cch_contracts import CloudEvent
from cch_contracts.events.caseload import (
    CaseAssigned,
    CaseDischarged,
    CaseTransferred,
    CaseWithdrawn,
    PlanAdjustmentRequested,
)
from cch_messaging import HandlerRegistry, MessagingUnitOfWork

handlers = HandlerRegistry()


@handlers.on(CaseAssigned)
async def on_assigned(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
    await draft_plan_for_assignment(uow, payload)


@handlers.on(PlanAdjustmentRequested)
async def on_adjustment(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
    await adjust_plan(uow, payload)


@handlers.on(CaseDischarged)
async def on_discharged(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
    await complete_plan(uow, payload)


@handlers.on(CaseTransferred)
async def on_transferred(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
    await transfer_case(uow, payload)


@handlers.on(CaseWithdrawn)
async def on_withdrawn(uow: MessagingUnitOfWork, event: CloudEvent, payload: Any) -> None:
    await withdraw_plan(uow, payload)
