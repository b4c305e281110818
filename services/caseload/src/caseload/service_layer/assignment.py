"""Use cases that open and place cases: accepted referrals, tier changes, team lead overrides."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from caseload.adapters.new_cases import seen_replayed, settle_replay
from caseload.domain.assignment import TeamLeadOverride
from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import AcceptedReferral, Case
from caseload.domain.episodes import Inclusion, NextEpisode, next_episode
from caseload.domain.errors import NotOnWaitingList
from caseload.domain.mdt_review import MdtReview
from caseload.domain.ownership import TransferTarget
from caseload.domain.vocabulary import (
    CaseStatus,
    Locality,
    NeedLevel,
    ReviewOutcome,
    Tier,
    parse_need,
)
from caseload.service_layer.errors import CaseNotFound
from caseload.service_layer.publishing import publish_case_events
from caseload.service_layer.state import locked_caseloads, repository
from cch_contracts.clock import Clock
from cch_contracts.events.referrals import ReferralAccepted
from cch_contracts.events.stratification import PatientTierChanged
from cch_messaging import MessagingUnitOfWork

log = logging.getLogger("caseload.assignment")


def new_case_id() -> str:
    return f"case-{uuid.uuid4()}"


async def assign_referral(
    uow: MessagingUnitOfWork,
    accepted: ReferralAccepted,
    *,
    clock: Clock,
    new_id: Callable[[], str] = new_case_id,
) -> Case | None:
    """Open a case for an accepted referral: an owner, or a visible waiting-list place.

    A patient who already has an open case is not booked twice. A referral whose last case
    closed opens the next episode when the MDT's decision is newer than any its cases answered
    (by decision version, or decision time for events without one: see domain.episodes); a
    redelivered decision opens nothing.
    """
    repo = repository(uow)
    # Every locality at once: a consumer batch reaches all three within a few events anyway, so
    # this loads the domain once per batch and two batches can never wait on each other's locks.
    caseloads = await locked_caseloads(uow, Locality)
    referral = AcceptedReferral(
        patient_key=accepted.patient_key,
        need_level=NeedLevel(accepted.need_level.value),
        locality=Locality(accepted.locality.value),
        most_pressing_need=parse_need(accepted.most_pressing_need),
        tier=Tier(accepted.tier.value) if accepted.tier else None,
        practice_code=accepted.practice_code,
        referral_id=accepted.referral_id,
        decided_at=accepted.decided_at,
        decision_version=accepted.decision_version,
    )
    replayed = seen_replayed(accepted.referral_id)  # it failed a batch: the referral has a case
    if replayed:
        settle_replay(accepted.referral_id)
    if caseloads.ledger.open_case_for(accepted.patient_key) is not None:
        return await follow_repeated_acceptance(uow, caseloads, accepted, clock=clock)
    start: NextEpisode | None = None
    if replayed:  # which episode, if any, does this decision open?
        earlier = await repo.episodes_of_referral(accepted.referral_id)
        start = next_episode(
            earlier, decided_at=accepted.decided_at, decision_version=accepted.decision_version
        )
        if start is None:
            log.info("referral %s: its cases already answer this decision", accepted.referral_id)
            return None
    now = clock.now()
    case, _ = caseloads.assign(referral, case_id=new_id(), now=now, start=start)
    repo.stage_new(case, nhs_number=accepted.nhs_number, now=now, waiting=caseloads.waiting)
    publish_case_events(uow, case, nhs_number=accepted.nhs_number)
    return case


async def follow_repeated_acceptance(
    uow: MessagingUnitOfWork, caseloads: Caseloads, accepted: ReferralAccepted, *, clock: Clock
) -> Case | None:
    """Another inclusion for the referral behind an open case: a correction, or a redelivery.

    A later decision at another need level moves the case to the owner that level calls for;
    one after a withdrawn inclusion keeps the case; one on a held referral ends the hold. The
    same or an older decision (by version where the event names it) changes nothing.
    """
    repo = repository(uow)
    open_id = caseloads.ledger.open_case_for(accepted.patient_key)
    case = await repo.get(open_id, for_update=True) if open_id else None
    if case is None or case.referral_id != accepted.referral_id:
        log.info("referral %s: patient already has an open case", accepted.referral_id)
        return None
    inclusion = Inclusion(decided_at=accepted.decided_at, version=accepted.decision_version)
    if not inclusion.is_later_than([case.standing_inclusion]):
        return None  # the standing inclusion again, or an older one
    now = clock.now()
    case.confirm_inclusion(inclusion, decided_by=accepted.decided_by)
    case.follow_inclusion(inclusion)
    released = caseloads.end_hold(
        case, decided_at=accepted.decided_at, decided_by=accepted.decided_by
    )
    need = NeedLevel(accepted.need_level.value)
    corrected = need is not case.need_level
    if corrected:
        caseloads.correct_need_level(case, need, decided_by=accepted.decided_by, now=now)
    await store_case(uow, caseloads, case, now)
    if corrected or (released and case.status is CaseStatus.WAITING):
        await place_from_waiting_list(uow, caseloads, [case.locality], clock=clock)
    return case


async def change_tier(
    uow: MessagingUnitOfWork, changed: PatientTierChanged, *, clock: Clock
) -> Case | None:
    """Follow a tier change on an open case: weight, review frequency, early review on Highest."""
    repo = repository(uow)
    found = await repo.open_case_of(changed.patient_key)
    if found is None:
        return None
    caseloads = await locked_caseloads(uow, Locality)  # all at once, as for referrals
    case = await repo.get(found.case_id, for_update=True)
    if case is None or case.is_closed:
        return None
    caseloads.sync(case)
    caseloads.change_tier(case, Tier(changed.tier.value), now=clock.now())
    await store_case(uow, caseloads, case, clock.now())
    return case


async def override_assignment(
    uow: MessagingUnitOfWork,
    case_id: str,
    *,
    case_manager_id: str,
    reason: str,
    decided_by: str,
    out_of_locality_reason: str | None,
    clock: Clock,
) -> Case:
    """A team lead places a waiting case with a named manager, or moves an active one."""
    repo = repository(uow)
    found = await repo.get(case_id)
    if found is None:
        raise CaseNotFound(f"no case {case_id!r}")
    manager_locality = await repo.manager_locality(case_manager_id)
    caseloads = await locked_caseloads(
        uow, [found.locality] + ([manager_locality] if manager_locality else [])
    )
    case = await repo.get(case_id, for_update=True)
    assert case is not None
    now = clock.now()
    override = TeamLeadOverride(
        case_manager_id=case_manager_id,
        reason=reason,
        decided_by=decided_by,
        out_of_locality_reason=out_of_locality_reason,
    )
    if case.status is CaseStatus.WAITING:
        decision = caseloads.decide(_referral_of(case), override=override)
        assignment = decision.assignment()
        assert assignment is not None
        case.assign(
            assignment,
            now=now,
            why=decision.why,
            case_manager=decision.case_manager,
            overridden=True,
        )
        caseloads.sync(case)
    elif case.status is CaseStatus.ACTIVE:
        # validates the reason the same way as a new assignment, then moves the case
        caseloads.decide(_referral_of(case), override=override)
        target = caseloads.transfer_target(
            case, case_manager_id=case_manager_id, out_of_locality_reason=out_of_locality_reason
        )
        review = MdtReview(
            outcome=ReviewOutcome.TRANSFER,
            decided_by=decided_by,
            reviewed_at=now,
            notes=f"team lead override: {reason.strip()}",
            transfer_to=TransferTarget(case_manager=target.case_manager),
        )
        caseloads.record_review(case, review, out_of_locality_reason=out_of_locality_reason)
        await repo.record_review(case.case_id, review)
    else:
        raise NotOnWaitingList(f"case {case_id} is {case.status}: nothing to override")
    await store_case(uow, caseloads, case, now)
    await place_from_waiting_list(uow, caseloads, [case.locality], clock=clock)
    return case


async def place_from_waiting_list(
    uow: MessagingUnitOfWork,
    caseloads: Caseloads,
    localities: list[Locality],
    *,
    clock: Clock,
) -> list[Case]:
    """Give waiting patients in these (locked) localities an owner where capacity has freed."""
    repo = repository(uow)
    placed: list[Case] = []
    for locality in localities:
        waiting = await repo.waiting_cases(locality)
        if not waiting:
            continue
        for case, _ in caseloads.assign_from_waiting_list(waiting, now=clock.now()):
            await store_case(uow, caseloads, case, clock.now())
            placed.append(case)
    return placed


async def store_case(
    uow: MessagingUnitOfWork, caseloads: Caseloads, case: Case, now: datetime
) -> None:
    repo = repository(uow)
    await repo.save(case, now=now)
    await repo.sync_waiting(case, caseloads.waiting)
    publish_case_events(uow, case, nhs_number=repo.nhs_numbers.get(case.case_id))


def _referral_of(case: Case) -> AcceptedReferral:
    return AcceptedReferral(
        patient_key=case.patient_key,
        need_level=case.need_level,
        locality=case.locality,
        most_pressing_need=case.most_pressing_need,
        tier=case.tier,
        referral_id=case.referral_id,
    )
