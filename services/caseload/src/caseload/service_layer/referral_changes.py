"""Use cases that follow a referral changing under its case: a decision reversed, a status
changed (hold, resume, revoke, entered in error), an inclusion corrected or confirmed again.

Every one takes the locality locks before the case's row lock (the order every command uses)
and goes through the locked caseload domain, so a consumer's kept caseloads stay exact.
A corrected inclusion arrives as another referral.accepted.v1: see service_layer.assignment.
"""

from __future__ import annotations

from caseload.domain.attention import Attention
from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import Case
from caseload.domain.errors import HandoverRequired, NotFlaggedForClosure
from caseload.domain.vocabulary import AttentionAction, CaseStatus, Locality
from caseload.service_layer.assignment import place_from_waiting_list, store_case
from caseload.service_layer.errors import CaseNotFound
from caseload.service_layer.state import locked_caseloads, repository
from cch_contracts.clock import Clock
from cch_contracts.events.referrals import (
    ReferralDecisionReversed,
    ReferralStatus,
    ReferralStatusChanged,
    TriageOutcome,
)
from cch_messaging import MessagingUnitOfWork


async def _case_of_referral(
    uow: MessagingUnitOfWork, referral_id: str
) -> tuple[Caseloads, Case] | None:
    """The referral's case, row-locked under every locality lock; None when it has none."""
    repo = repository(uow)
    case_id = await repo.case_id_for_referral(referral_id)
    if case_id is None:
        return None
    caseloads = await locked_caseloads(uow, Locality)  # all at once, as for accepted referrals
    case = await repo.get(case_id, for_update=True)
    assert case is not None
    return caseloads, case


async def reverse_decision(
    uow: MessagingUnitOfWork, reversed_: ReferralDecisionReversed, *, clock: Clock
) -> Case | None:
    """A withdrawn inclusion: flag the open case for closure with a handover; free a waiting place.

    An inclusion replaced by another inclusion is left to the referral.accepted.v1 that follows.
    """
    if reversed_.previous_decision is not TriageOutcome.INCLUDE:
        return None  # a withdrawn exclusion is stratification's concern
    if reversed_.new_decision is TriageOutcome.INCLUDE:
        return None
    replaced = f"; replaced by {reversed_.new_decision}" if reversed_.new_decision else ""
    flag = Attention(
        action=AttentionAction.CLOSE_WITH_HANDOVER,
        reason=f"MDT inclusion withdrawn{replaced}: {reversed_.reason}",
        raised_by=reversed_.reversed_by,
        raised_at=reversed_.reversed_at,
        cause=f"decision-reversed:v{reversed_.reversed_version}",
        withdrawn_version=reversed_.reversed_version,
    )
    return await _withdraw_inclusion(uow, reversed_.referral_id, flag, clock=clock)


async def follow_status_change(
    uow: MessagingUnitOfWork, changed: ReferralStatusChanged, *, clock: Clock
) -> Case | None:
    """Entered in error withdraws the case; revoked flags it for closure; hold/resume show, and
    a waiting patient is passed over while held and placed on resumption if there is room."""
    status = changed.status
    if status is ReferralStatus.ENTERED_IN_ERROR:
        return await _withdraw_in_error(uow, changed, clock=clock)
    if status is ReferralStatus.REVOKED:
        flag = Attention(
            action=AttentionAction.CLOSE_WITH_HANDOVER,
            reason=f"referral revoked: {changed.reason or 'no reason given'}",
            raised_by=changed.changed_by,
            raised_at=changed.changed_at,
            cause="referral-revoked",
        )
        return await _withdraw_inclusion(uow, changed.referral_id, flag, clock=clock)
    if status is ReferralStatus.ON_HOLD or changed.previous_status is ReferralStatus.ON_HOLD:
        found = await _case_of_referral(uow, changed.referral_id)
        if found is None:
            return None
        caseloads, case = found
        if case.is_closed:
            return case
        noted = caseloads.follow_referral_status(
            case, status.value, reason=changed.reason, by=changed.changed_by, at=changed.changed_at
        )
        if noted:
            await store_case(uow, caseloads, case, clock.now())
            if case.status is CaseStatus.WAITING:  # resumed: placed now if there is room
                await place_from_waiting_list(uow, caseloads, [case.locality], clock=clock)
        return case
    return None


async def _withdraw_inclusion(
    uow: MessagingUnitOfWork, referral_id: str, flag: Attention, *, clock: Clock
) -> Case | None:
    found = await _case_of_referral(uow, referral_id)
    if found is None:
        return None
    caseloads, case = found
    if case.is_closed or case.withdrawal_is_stale(flag.withdrawn_version):
        return case  # nothing open, or a replayed reversal of an inclusion since superseded
    now = clock.now()
    if case.status is CaseStatus.WAITING:  # nobody started: the waiting place simply goes
        caseloads.withdraw(case, reason=flag.reason, by=flag.raised_by, now=now)
    elif not case.flag(flag):
        return case  # already flagged for this cause (redelivery)
    await store_case(uow, caseloads, case, now)
    return case


async def _withdraw_in_error(
    uow: MessagingUnitOfWork, changed: ReferralStatusChanged, *, clock: Clock
) -> Case | None:
    found = await _case_of_referral(uow, changed.referral_id)
    if found is None:
        return None
    caseloads, case = found
    if case.is_closed:
        return case
    now = clock.now()
    reason = f"referral entered in error: {changed.reason or 'no reason given'}"
    caseloads.withdraw(case, reason=reason, by=changed.changed_by, now=now)
    await store_case(uow, caseloads, case, now)
    await place_from_waiting_list(uow, caseloads, [case.locality], clock=clock)
    return case


async def close_withdrawn_inclusion(
    uow: MessagingUnitOfWork, case_id: str, *, handover: str, closed_by: str, clock: Clock
) -> tuple[Case, int]:
    """The case manager closes a case whose inclusion was withdrawn, saying who takes over."""
    if not handover.strip():
        raise HandoverRequired("say who takes over the patient's care (the handover)")
    repo = repository(uow)
    found = await repo.get(case_id)
    if found is None:
        raise CaseNotFound(f"no case {case_id!r}")
    caseloads = await locked_caseloads(uow, [found.locality])
    case = await repo.get(case_id, for_update=True)
    assert case is not None
    flag = case.attention
    if case.is_closed or flag is None or flag.action is not AttentionAction.CLOSE_WITH_HANDOVER:
        raise NotFlaggedForClosure(
            f"case {case_id} is {case.status} and not flagged for closure: use an MDT review"
        )
    now = clock.now()
    reason = f"{flag.reason}; handover: {handover.strip()}"
    caseloads.withdraw(case, reason=reason, by=closed_by, now=now)
    await store_case(uow, caseloads, case, now)
    placed = await place_from_waiting_list(uow, caseloads, [case.locality], clock=clock)
    return case, len(placed)
