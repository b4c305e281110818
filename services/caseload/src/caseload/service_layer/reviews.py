"""MDT review outcomes and the clock-driven review schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from caseload.domain.cases import Case
from caseload.domain.errors import InvalidReviewOutcome
from caseload.domain.mdt_review import MdtReview
from caseload.domain.review_schedule import announce_due_reviews, review_day
from caseload.domain.vocabulary import (
    DischargeReason,
    Locality,
    ReviewOutcome,
    TransferSetting,
)
from caseload.service_layer.assignment import place_from_waiting_list, store_case
from caseload.service_layer.errors import CaseNotFound
from caseload.service_layer.publishing import publish_case_events
from caseload.service_layer.state import locked_caseloads, repository
from cch_contracts.clock import Clock
from cch_messaging import MessagingUnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordReview:
    """An MDT review as the API receives it."""

    outcome: ReviewOutcome
    decided_by: str
    notes: str = ""
    plan_summary: str = ""
    transfer_to_case_manager: str | None = None
    transfer_to_setting: TransferSetting | None = None
    out_of_locality_reason: str | None = None
    discharge_reason: DischargeReason | None = None
    criteria_met: tuple[str, ...] = ()
    next_review_in_days: int | None = None


async def record_review(
    uow: MessagingUnitOfWork, case_id: str, command: RecordReview, *, clock: Clock
) -> tuple[Case, int]:
    """Apply an MDT review; freed capacity goes straight to the waiting list."""
    repo = repository(uow)
    found = await repo.get(case_id)
    if found is None:
        raise CaseNotFound(f"no case {case_id!r}")
    localities: list[Locality] = [found.locality]
    if command.transfer_to_case_manager:
        other = await repo.manager_locality(command.transfer_to_case_manager)
        if other is not None:
            localities.append(other)
    caseloads = await locked_caseloads(uow, localities)
    case = await repo.get(case_id, for_update=True)
    assert case is not None
    now = clock.now()
    target = None
    if command.outcome is ReviewOutcome.TRANSFER:
        if not (command.transfer_to_case_manager or command.transfer_to_setting) or (
            command.transfer_to_case_manager and command.transfer_to_setting
        ):
            raise InvalidReviewOutcome("a transfer names either a case manager or a setting")
        target = caseloads.transfer_target(
            case,
            case_manager_id=command.transfer_to_case_manager,
            setting=command.transfer_to_setting,
            out_of_locality_reason=command.out_of_locality_reason,
        )
    review = MdtReview(
        outcome=command.outcome,
        decided_by=command.decided_by,
        reviewed_at=now,
        notes=command.notes,
        plan_summary=command.plan_summary,
        transfer_to=target,
        discharge_reason=command.discharge_reason,
        criteria_met=command.criteria_met,
        next_review_in_days=command.next_review_in_days,
    )
    caseloads.record_review(case, review, out_of_locality_reason=command.out_of_locality_reason)
    await repo.record_review(case.case_id, review)
    await store_case(uow, caseloads, case, now)
    placed = 0
    if command.outcome in (ReviewOutcome.TRANSFER, ReviewOutcome.DISCHARGE):
        placed = len(await place_from_waiting_list(uow, caseloads, localities, clock=clock))
    return case, placed


async def announce_reviews_due(uow: MessagingUnitOfWork, *, clock: Clock, limit: int = 500) -> int:
    """Announce (review.due) each newly due review once; returns how many were announced."""
    repo = repository(uow)
    now = clock.now()
    due = await repo.due_for_announcement(review_day(now), limit=limit)
    announced = announce_due_reviews(due, now)
    for case in due:
        if case.pending_events:
            await repo.save(case, now=now)
            publish_case_events(uow, case, nhs_number=repo.nhs_numbers.get(case.case_id))
    return len(announced)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one tick of the review schedule did."""

    reviews_announced: int
    placed_from_waiting_list: int


async def scan(
    uow_factory: Callable[[], MessagingUnitOfWork], *, clock: Clock, batch: int = 500
) -> ScanResult:
    """One tick: announce due reviews (in batches), then place waiting patients where room is."""
    announced = 0
    while True:
        async with uow_factory() as uow:
            n = await announce_reviews_due(uow, clock=clock, limit=batch)
            await uow.commit()
        announced += n
        if n < batch:
            break
    placed = 0
    for locality in Locality:
        async with uow_factory() as uow:
            if not await repository(uow).has_waiting(locality):
                continue
            caseloads = await locked_caseloads(uow, [locality])
            placed += len(await place_from_waiting_list(uow, caseloads, [locality], clock=clock))
            await uow.commit()
    return ScanResult(announced, placed)
