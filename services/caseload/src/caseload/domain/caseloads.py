"""Caseload operations that move capacity: assign, waiting list, MDT reviews, tier changes.

Every operation changes the Case aggregate, then syncs the load ledger and the waiting list,
so per-manager load aggregates stay right without recomputing from all cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from caseload.domain.assignment import (
    Assigner,
    AssignmentDecision,
    TeamLeadOverride,
    summary_of,
)
from caseload.domain.attention import Attention
from caseload.domain.capacity import LoadLedger
from caseload.domain.cases import AcceptedReferral, Case
from caseload.domain.discharge import DEFAULT_DISCHARGE_CRITERIA
from caseload.domain.episodes import NextEpisode
from caseload.domain.errors import CaseAlreadyOpen, InvalidReviewOutcome
from caseload.domain.mdt_review import MdtReview
from caseload.domain.ownership import TransferTarget
from caseload.domain.vocabulary import (
    AttentionAction,
    CaseStatus,
    NeedLevel,
    ReviewOutcome,
    Tier,
    TransferSetting,
)
from caseload.domain.waiting_list import Pool, WaitingEntry, WaitingList
from caseload.domain.workforce import Workforce


class Caseloads:
    """The caseload domain over one workforce: the service layer's single entry point."""

    def __init__(
        self,
        workforce: Workforce,
        ledger: LoadLedger | None = None,
        waiting: WaitingList | None = None,
    ) -> None:
        self.workforce = workforce
        self.ledger = ledger if ledger is not None else LoadLedger()
        self.waiting = waiting if waiting is not None else WaitingList()
        self.assigner = Assigner(workforce, self.ledger, self.waiting)

    def decide(
        self, referral: AcceptedReferral, *, override: TeamLeadOverride | None = None
    ) -> AssignmentDecision:
        """Who would hold this referral, and why (changes nothing)."""
        return self.assigner.decide(referral, override=override)

    def assign(
        self,
        referral: AcceptedReferral,
        *,
        case_id: str,
        now: datetime,
        override: TeamLeadOverride | None = None,
        start: NextEpisode | None = None,
    ) -> tuple[Case, AssignmentDecision]:
        """Open a case for an accepted referral: an owner now, or a waiting-list place.

        `start` is the episode a re-inclusion opens after the referral's last case closed.
        """
        if self.ledger.open_case_for(referral.patient_key) is not None:
            raise CaseAlreadyOpen(f"patient {referral.patient_key} already has an open case")
        decision = self.assigner.decide(referral, override=override)
        case = Case.open(case_id=case_id, referral=referral, now=now, start=start)
        case.locality = decision.locality
        self._apply(case, decision, now)
        return case, decision

    def assign_from_waiting_list(
        self, cases: Mapping[str, Case], *, now: datetime
    ) -> list[tuple[Case, AssignmentDecision]]:
        """Place waiting patients where capacity has freed: highest tier first, then oldest.

        ``cases`` holds the waiting cases by id; entries whose case is not given are left
        waiting. A patient who still does not fit holds their pool: nobody behind them in the
        same locality and need is placed ahead of them. A patient whose referral is on hold is
        passed over, keeping their place, and holds up no one.
        """
        placed: list[tuple[Case, AssignmentDecision]] = []
        blocked: set[Pool] = set()
        for entry in self.waiting.ordered():
            case = cases.get(entry.case_id)
            if entry.pool in blocked or case is None or case.status is not CaseStatus.WAITING:
                continue
            if entry.on_hold or case.referral_on_hold:
                continue
            decision = self.assigner.decide_for_waiting(_referral_of(case))
            if decision.assignment() is None:
                blocked.add(entry.pool)
                continue
            self._apply(case, decision, now)
            placed.append((case, decision))
        return placed

    def _apply(self, case: Case, decision: AssignmentDecision, now: datetime) -> None:
        assignment = decision.assignment()
        if assignment is None:
            case.waitlist(reason=decision.why, now=now)
            self.waiting.add(
                WaitingEntry(
                    case_id=case.case_id,
                    patient_key=case.patient_key,
                    locality=case.locality,
                    most_pressing_need=case.most_pressing_need,
                    tier=case.tier,
                    waitlisted_at=now,
                    reason=decision.why,
                    on_hold=case.referral_on_hold,
                )
            )
        else:
            self.waiting.discard(case.case_id)
            case.assign(
                assignment,
                now=now,
                why=decision.why,
                case_manager=decision.case_manager,
                overridden=decision.overridden,
            )
        self.ledger.sync(case)

    def transfer_target(
        self,
        case: Case,
        *,
        case_manager_id: str | None = None,
        setting: TransferSetting | None = None,
        out_of_locality_reason: str | None = None,
    ) -> TransferTarget:
        """A checked transfer target: a case manager with room (in locality, or with a reason)."""
        if (case_manager_id is None) == (setting is None):
            raise InvalidReviewOutcome("a transfer names either a case manager or a setting")
        if case_manager_id is not None:
            manager = self.assigner.check_can_take(
                case_manager_id,
                weight=case.weight,
                locality=case.locality,
                out_of_locality_reason=out_of_locality_reason,
            )
            return TransferTarget(case_manager=summary_of(manager))
        if setting is TransferSetting.INTEGRATED_CARE_TEAM:
            team = self.workforce.integrated_team(case.locality)
            return TransferTarget(setting=setting, team_id=team.team_id)
        return TransferTarget(setting=setting)

    def record_review(
        self,
        case: Case,
        review: MdtReview,
        *,
        out_of_locality_reason: str | None = None,
        agreed_criteria: Iterable[str] = DEFAULT_DISCHARGE_CRITERIA,
    ) -> None:
        """Apply an MDT review; a transfer's target is checked for capacity and locality."""
        target = review.transfer_to
        if review.outcome is ReviewOutcome.TRANSFER and target is not None:
            checked = self.transfer_target(
                case,
                case_manager_id=target.case_manager.manager_id if target.case_manager else None,
                setting=target.setting,
                out_of_locality_reason=out_of_locality_reason,
            )
            review = replace(review, transfer_to=checked)
        case.record_review(review, agreed_criteria=agreed_criteria)
        if case.status is not CaseStatus.WAITING:
            self.waiting.discard(case.case_id)
        self.ledger.sync(case)

    def change_tier(self, case: Case, tier: Tier | None, *, now: datetime) -> None:
        """Follow a stratification tier change: weight, review frequency and waiting priority."""
        case.change_tier(tier, now=now)
        self.waiting.retier(case.case_id, tier)
        self.ledger.sync(case)

    def withdraw(self, case: Case, *, reason: str, by: str, now: datetime) -> None:
        """Close a case that should not have been opened: its place or capacity is freed."""
        case.withdraw(reason=reason, by=by, now=now)
        self.waiting.discard(case.case_id)
        self.ledger.sync(case)

    def correct_need_level(
        self, case: Case, need_level: NeedLevel, *, decided_by: str, now: datetime
    ) -> AssignmentDecision:
        """Follow a corrected inclusion: the owner its need level calls for, explained.

        A waiting patient no longer severe goes to their team or self-care now. An active case
        moves owner; when it is now severe and no fitting case manager has room, it stays with
        its current holder and is flagged for a team lead to name one.
        """
        case.correct_need_level(need_level, decided_by=decided_by, now=now)
        if case.status is CaseStatus.WAITING:  # only severe need waits: now team or self-care
            decision = self.assigner.decide_for_waiting(_referral_of(case))
            self._apply(case, decision, now)
            return decision
        decision = self.assigner.decide(_referral_of(case))
        assignment = decision.assignment()
        why = f"need level corrected to {need_level}: {decision.why}"
        if assignment is None:
            case.flag(
                Attention(
                    action=AttentionAction.ASSIGN_CASE_MANAGER,
                    reason=f"{why}; stays with {case.assignment.owner if case.assignment else '-'}",
                    raised_by=decided_by,
                    raised_at=now,
                    cause=f"need-corrected:{need_level}",
                )
            )
        elif assignment != case.assignment:
            case.reassign(
                assignment,
                now=now,
                why=why,
                decided_by=decided_by,
                case_manager=decision.case_manager,
            )
        self.ledger.sync(case)
        return decision

    def follow_referral_status(
        self, case: Case, status: str, *, reason: str, by: str, at: datetime
    ) -> bool:
        """Show a hold or resumption on the case; a waiting patient on hold is passed over.

        False when the case already showed it.
        """
        noted = case.note_referral_status(status, reason=reason, by=by, at=at)
        held = self.waiting.hold(case.case_id, on_hold=case.referral_on_hold)
        return noted or held

    def end_hold(self, case: Case, *, decided_at: datetime, decided_by: str) -> bool:
        """A new MDT inclusion completes a held referral: the patient competes for room again."""
        ended = case.end_hold_on_inclusion(decided_at=decided_at, decided_by=decided_by)
        self.waiting.hold(case.case_id, on_hold=case.referral_on_hold)
        return ended

    def sync(self, case: Case) -> None:
        """Bring aggregates in line with a case changed elsewhere (e.g. loaded from storage)."""
        if case.status is not CaseStatus.WAITING:
            self.waiting.discard(case.case_id)
        self.ledger.sync(case)


def _referral_of(case: Case) -> AcceptedReferral:
    return AcceptedReferral(
        patient_key=case.patient_key,
        need_level=case.need_level,
        locality=case.locality,
        most_pressing_need=case.most_pressing_need,
        tier=case.tier,
        referral_id=case.referral_id,
    )
