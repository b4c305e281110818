"""What stratification learns from others: exclusions, case management, GP flags."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from cch_contracts import CloudEvent
from cch_contracts.events.caseload import CaseAssigned, CaseDischarged
from cch_contracts.events.referrals import (
    ReferralDecisionReversed,
    ReferralExcluded,
    ReferralReceived,
    ReferralStatus,
    ReferralStatusChanged,
    TriageOutcome,
)
from cch_contracts.vocabulary import AssignmentKind, ReferralRoute
from cch_messaging import HandlerRegistry, MessagingUnitOfWork
from stratification.adapters.run_tables import case_managed, exclusion_note, gp_flag

handlers = HandlerRegistry()


@handlers.on(ReferralExcluded)
async def note_exclusion(uow: MessagingUnitOfWork, event: CloudEvent, p: ReferralExcluded) -> None:
    """The MDT excluded the patient: keep them off the report until the next review date."""
    values = {
        "referral_id": p.referral_id,
        "reason": p.reason,
        "next_review_on": p.next_review_on,
        "decided_at": p.decided_at,
    }
    await uow.session.execute(
        insert(exclusion_note)
        .values(patient_key=p.patient_key, **values)
        .on_conflict_do_update(
            index_elements=["patient_key"],
            set_=values,
            where=exclusion_note.c.decided_at <= p.decided_at,
        )
    )


async def _lift_exclusion(
    uow: MessagingUnitOfWork, *, patient_key: str, referral_id: str, decided_before: datetime
) -> None:
    # Only the note this referral's earlier decision wrote: a newer exclusion recorded in the
    # same change (decided at the reversal's instant) or by another referral stays.
    await uow.session.execute(
        delete(exclusion_note).where(
            exclusion_note.c.patient_key == patient_key,
            exclusion_note.c.referral_id == referral_id,
            exclusion_note.c.decided_at < decided_before,
        )
    )


@handlers.on(ReferralDecisionReversed)
async def note_reversal(
    uow: MessagingUnitOfWork, event: CloudEvent, p: ReferralDecisionReversed
) -> None:
    """A withdrawn exclusion no longer holds: the patient is back on the report from now."""
    if p.previous_decision is TriageOutcome.EXCLUDE:
        await _lift_exclusion(
            uow, patient_key=p.patient_key, referral_id=p.referral_id, decided_before=p.reversed_at
        )


@handlers.on(ReferralStatusChanged)
async def note_entered_in_error(
    uow: MessagingUnitOfWork, event: CloudEvent, p: ReferralStatusChanged
) -> None:
    """A referral entered in error never existed: its exclusion must not hide the patient."""
    if p.status is ReferralStatus.ENTERED_IN_ERROR:
        await _lift_exclusion(
            uow, patient_key=p.patient_key, referral_id=p.referral_id, decided_before=p.changed_at
        )


@handlers.on(CaseAssigned)
async def note_case_managed(uow: MessagingUnitOfWork, event: CloudEvent, p: CaseAssigned) -> None:
    if p.assignment_kind == AssignmentKind.SELF_CARE:
        return
    await uow.session.execute(
        insert(case_managed)
        .values(patient_key=p.patient_key, case_id=p.case_id, since=p.assigned_at)
        .on_conflict_do_nothing(index_elements=["patient_key"])
    )


@handlers.on(CaseDischarged)
async def note_discharge(uow: MessagingUnitOfWork, event: CloudEvent, p: CaseDischarged) -> None:
    await uow.session.execute(
        delete(case_managed).where(case_managed.c.patient_key == p.patient_key)
    )


@handlers.on(ReferralReceived)
async def note_gp_flag(uow: MessagingUnitOfWork, event: CloudEvent, p: ReferralReceived) -> None:
    """GPs flag patients from registers (housebound, falls) when data is thin: show it."""
    if ReferralRoute.GP_FLAG not in p.routes:
        return
    await uow.session.execute(
        insert(gp_flag)
        .values(patient_key=p.patient_key, referral_id=p.referral_id, flagged_at=p.received_at)
        .on_conflict_do_nothing(index_elements=["patient_key"])
    )
