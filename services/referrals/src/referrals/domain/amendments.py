"""An EHR's update of a referral (FHIR PUT): what it may correct, what it may not.

A referral may be corrected while it is open: priority (routine to urgent only, which starts a
rapid response once), reasons, requester, note, practice, locality and when to see the patient
(occurrence[x]). What makes it another referral cannot change: the patient, when the referrer
wrote it, the routes that sent it. The status moves as the referral's own rules allow (never
back to active from a decision: the MDT reverses its decision for that). One update is one
new version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from referrals.domain.clock import require_aware
from referrals.domain.crisis import CrisisDetails
from referrals.domain.errors import (
    AmendmentRefused,
    FieldProblem,
    InvalidStatusTransition,
    ReferralClosed,
)
from referrals.domain.occurrence import WhenToSee
from referrals.domain.reasons import CodedReason
from referrals.domain.references import Reference
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Locality, Priority, ReferralRoute, ReferralStatus

_DECIDED = "set by the MDT's decision"


@dataclass(frozen=True, slots=True, kw_only=True)
class Amendment:
    """The referral as the update describes it."""

    patient_key: str
    status: ReferralStatus
    authored_on: datetime
    routes: tuple[ReferralRoute, ...]
    priority: Priority
    crisis: CrisisDetails | None
    reasons: tuple[CodedReason, ...]
    requester: Reference
    note: str
    practice_code: str | None
    locality: Locality | None
    when_to_see: WhenToSee | None = None


def revise(
    referral: Referral, amendment: Amendment, *, status_reason: str, at: datetime, by: str
) -> list[str]:
    """Apply the update; returns the elements it changed (empty: nothing to version)."""
    when = require_aware(at, "at")
    _refuse_identity_changes(referral, amendment)
    changed = _corrections(referral, amendment)
    if changed and not referral.is_open:
        raise ReferralClosed(
            f"referral {referral.referral_id} is {referral.status.value}: "
            f"{', '.join(changed)} can no longer be corrected"
        )
    if changed:
        _apply(referral, amendment, at=when)
    if amendment.status is not referral.status:
        _move(referral, amendment.status, status_reason, at=when, by=by)
        changed.append("status")
    if changed:
        referral.mark_revised(at=when)
    return changed


def _refuse_identity_changes(referral: Referral, amendment: Amendment) -> None:
    problems = []
    if amendment.patient_key != referral.patient.patient_key:
        problems.append(
            FieldProblem(
                "ServiceRequest.subject",
                "a referral's patient cannot change: mark it entered-in-error and refer again",
            )
        )
    if _ms(amendment.authored_on) != _ms(referral.authored_on):
        problems.append(
            FieldProblem(
                "ServiceRequest.authoredOn", "when the referrer wrote the referral cannot change"
            )
        )
    if amendment.routes != tuple(referral.routes):
        kept = ", ".join(r.value for r in referral.routes)
        problems.append(
            FieldProblem(
                "ServiceRequest.category",
                "the routes that referred the patient cannot change (another route refers "
                f"by creating a ServiceRequest); keep {kept}",
            )
        )
    if referral.priority is Priority.URGENT and amendment.priority is not Priority.URGENT:
        problems.append(
            FieldProblem(
                "ServiceRequest.priority",
                "an urgent referral has gone to rapid response and stays urgent: "
                "call the rapid response team to stand it down",
            )
        )
    elif referral.priority is Priority.URGENT and amendment.crisis != referral.crisis:
        problems.append(
            FieldProblem(
                "ServiceRequest.extension",
                "the crisis details have gone to rapid response: call the team with changes",
            )
        )
    if problems:
        raise AmendmentRefused(problems)


def _corrections(referral: Referral, amendment: Amendment) -> list[str]:
    first = referral.arrivals[0] if referral.arrivals else None
    checks = [
        ("priority", amendment.priority is not referral.priority),
        ("reasonCode", set(amendment.reasons) != set(referral.reasons)),
        ("requester", amendment.requester != referral.requester),
        ("note", first is not None and amendment.note != first.note),
        ("practice", amendment.practice_code != referral.practice_code),
        ("locality", amendment.locality is not referral.locality),
        ("occurrence", amendment.when_to_see != referral.when_to_see),
    ]
    return [name for name, differs in checks if differs]


def _apply(referral: Referral, amendment: Amendment, *, at: datetime) -> None:
    if amendment.priority is Priority.URGENT and referral.priority is Priority.ROUTINE:
        assert amendment.crisis is not None  # ReferralRequest rules: urgent carries a crisis
        referral.escalate(amendment.crisis, at=at)
    referral.reasons = list(amendment.reasons)
    referral.requester = amendment.requester
    referral.practice_code = amendment.practice_code
    referral.locality = amendment.locality
    referral.when_to_see = amendment.when_to_see
    if referral.arrivals:
        referral.arrivals[0] = replace(referral.arrivals[0], note=amendment.note)


def _move(
    referral: Referral, status: ReferralStatus, reason: str, *, at: datetime, by: str
) -> None:
    if status is ReferralStatus.ON_HOLD:
        referral.put_on_hold(reason or "on hold", at=at, by=by, touch=False)
    elif status is ReferralStatus.ACTIVE:
        if referral.standing_decision is not None:
            raise InvalidStatusTransition(
                f"referral {referral.referral_id} is {referral.status.value}, {_DECIDED}: "
                "to reopen it the MDT reverses its decision"
            )
        referral.resume(at=at, by=by, touch=False)
    elif status is ReferralStatus.REVOKED:
        referral.revoke(reason or "withdrawn by the referrer", at=at, by=by, touch=False)
    elif status is ReferralStatus.ENTERED_IN_ERROR:
        referral.mark_entered_in_error(reason or "entered in error", at=at, by=by, touch=False)
    else:
        raise InvalidStatusTransition(f"status {status.value} is {_DECIDED}, not by an update")


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
