"""MDT triage: include (with need level and criteria met) or exclude (until a review date).

Every decision is a numbered, immutable record on the referral. A decision is never edited:
the MDT reverses it (a new version naming the one reversed, with a reason), which reopens the
referral for a fresh decision and tells downstream services to undo its effects. A referral
that is closed (decided, withdrawn or entered in error) takes no decision until then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from referrals.domain.clock import Clock, require_aware
from referrals.domain.decisions import DecisionKind, ExclusionReason, TriageDecision
from referrals.domain.eligibility import DEFAULT_ELIGIBILITY, EligibilityPolicy
from referrals.domain.errors import AnotherReferralOpen, InvalidTriageDecision, ReferralClosed
from referrals.domain.exclusions import (
    MAX_EXCLUSION_REVIEW_MONTHS,
    ExclusionNote,
    add_months,
    default_next_review,
)
from referrals.domain.references import DECIDER_KINDS, Reference
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Locality, MostPressingNeed, NeedLevel

REASON_TEXT_MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An exclude decision and the note that keeps the patient off review until the date."""

    decision: TriageDecision
    note: ExclusionNote


def include(
    referral: Referral,
    *,
    need_level: NeedLevel,
    eligibility_criteria: Iterable[str],
    decided_by: Reference,
    clock: Clock,
    decided_at: datetime | None = None,
    most_pressing_need: MostPressingNeed | None = None,
    locality: Locality | None = None,
    note: str = "",
    policy: EligibilityPolicy = DEFAULT_ELIGIBILITY,
) -> TriageDecision:
    """Include the patient in case management at the need level the MDT agreed."""
    _require_open(referral)
    now, when = _times(referral, clock, decided_at)
    criteria = policy.check(eligibility_criteria)
    if (locality or referral.locality) is None:
        raise InvalidTriageDecision(
            "the patient's locality is unknown: caseload assigns by locality, so name it"
        )
    decision = TriageDecision(
        version=len(referral.decisions) + 1,
        kind=DecisionKind.INCLUDE,
        decided_by=_decider(decided_by),
        decided_at=when,
        recorded_at=now,
        need_level=need_level,
        eligibility_criteria=criteria,
        most_pressing_need=most_pressing_need,
        locality=locality or referral.locality,
        reason_text=_text(note, required=False),
    )
    referral.record_decision(decision)
    return decision


def exclude(
    referral: Referral,
    *,
    reason: ExclusionReason,
    reason_text: str,
    decided_by: Reference,
    clock: Clock,
    decided_at: datetime | None = None,
    next_review_on: date | None = None,
) -> Exclusion:
    """Exclude the patient for now; the note says when the MDT looks again."""
    _require_open(referral)
    now, when = _times(referral, clock, decided_at)
    excluded_on = when.date()
    review = next_review_on or default_next_review(excluded_on)
    if review <= excluded_on:
        raise InvalidTriageDecision(
            f"the next review ({review.isoformat()}) must be after the decision "
            f"({excluded_on.isoformat()})"
        )
    if review > add_months(excluded_on, MAX_EXCLUSION_REVIEW_MONTHS):
        raise InvalidTriageDecision(
            f"the next review must be within {MAX_EXCLUSION_REVIEW_MONTHS} months of the decision"
        )
    text = _text(reason_text, required=reason is ExclusionReason.OTHER)
    decision = TriageDecision(
        version=len(referral.decisions) + 1,
        kind=DecisionKind.EXCLUDE,
        decided_by=_decider(decided_by),
        decided_at=when,
        recorded_at=now,
        exclusion_reason=reason,
        reason_text=text,
        next_review_on=review,
    )
    referral.record_decision(decision)
    note = ExclusionNote(
        patient_key=referral.patient.patient_key,
        excluded_on=excluded_on,
        next_review_on=review,
        reason=decision.reason_summary,
        referral_id=referral.referral_id,
    )
    return Exclusion(decision, note)


def reverse(
    referral: Referral,
    *,
    reason: str,
    reversed_by: Reference,
    clock: Clock,
    open_referrals: Iterable[Referral] = (),
) -> TriageDecision:
    """Withdraw the standing decision with a reason; the referral is open again.

    `open_referrals` are the patient's other open referrals: reopening must not make two.
    A reversed exclusion's note is lifted by the caller with `ExclusionNote.lift`.
    """
    others = [
        r
        for r in open_referrals
        if r.referral_id != referral.referral_id
        and r.is_open
        and r.patient.patient_key == referral.patient.patient_key
        and r.programme == referral.programme
    ]
    if others:
        raise AnotherReferralOpen(
            f"referral {others[0].referral_id} is open for this patient: "
            "triage that one instead of reopening this"
        )
    standing = referral.standing_decision
    now = require_aware(clock.now(), "clock.now()")
    reversal = TriageDecision(
        version=len(referral.decisions) + 1,
        kind=DecisionKind.REVERSAL,
        decided_by=_decider(reversed_by),
        decided_at=now,
        recorded_at=now,
        reason_text=_text(reason, required=True),
        reverses_version=standing.version if standing else None,
    )
    referral.record_reversal(reversal)
    return reversal


def _require_open(referral: Referral) -> None:
    if not referral.is_open:
        referral_state = referral.status.value
        hint = "; reverse the standing decision first" if referral.standing_decision else ""
        raise ReferralClosed(
            f"referral {referral.referral_id} is {referral_state}: no decision can be "
            f"recorded{hint}"
        )


def _times(
    referral: Referral, clock: Clock, decided_at: datetime | None
) -> tuple[datetime, datetime]:
    now = require_aware(clock.now(), "clock.now()")
    when = require_aware(decided_at, "decided_at") if decided_at else now
    if when > now:
        raise InvalidTriageDecision("a decision cannot be dated in the future")
    if when < referral.received_at:
        raise InvalidTriageDecision("a decision cannot predate receipt of the referral")
    return now, when


def _decider(reference: Reference) -> Reference:
    if reference.kind not in DECIDER_KINDS:
        raise InvalidTriageDecision(
            f"decisions are made by a practitioner, not {reference.kind.value}"
        )
    return reference


def _text(text: str, *, required: bool) -> str:
    cleaned = text.strip()
    if required and not cleaned:
        raise InvalidTriageDecision("say why, in a few words")
    if len(cleaned) > REASON_TEXT_MAX_LENGTH:
        raise InvalidTriageDecision(f"keep the reason under {REASON_TEXT_MAX_LENGTH} characters")
    return cleaned
