"""The Case aggregate: who holds a patient's case, its review schedule and its MDT outcomes.

Transfers to another case manager or to the integrated care team keep the case open (still on
the programme, still reviewed); transfers to hospital at home, primary care or social care
close it as TRANSFERRED. A case that should never have been opened is WITHDRAWN (not
discharged). A closed case releases its capacity when the ledger syncs it and accepts no
further reviews.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from caseload.domain.attention import Attention
from caseload.domain.capacity import case_weight
from caseload.domain.discharge import DEFAULT_DISCHARGE_CRITERIA, check_discharge
from caseload.domain.episodes import FIRST_EPISODE, NextEpisode
from caseload.domain.errors import CaseClosed, CaseNotActive, InvalidReviewOutcome, NotOnWaitingList
from caseload.domain.events import (
    CaseAssigned,
    CaseDischarged,
    CaseManagerSummary,
    CaseTransferred,
    CaseWaitlisted,
    DomainEvent,
    PlanAdjustmentRequested,
    ReviewDue,
)
from caseload.domain.mdt_review import MdtReview
from caseload.domain.ownership import Assignment
from caseload.domain.referral_changes import FollowsReferral
from caseload.domain.review_schedule import (
    REVIEW_FREQUENCY,
    early_review_due,
    is_review_due,
    next_review_due,
    review_day,
    review_interval_days,
)
from caseload.domain.vocabulary import (
    CLOSED_STATUSES,
    AssignmentKind,
    AttentionAction,
    CaseStatus,
    DischargeReason,
    Locality,
    MostPressingNeed,
    NeedLevel,
    ReviewOutcome,
    Tier,
    TransferSetting,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptedReferral:
    """What triage hands to caseload: an accepted patient, their need and where they live."""

    patient_key: str
    need_level: NeedLevel
    locality: Locality
    most_pressing_need: MostPressingNeed = MostPressingNeed.NURSING
    tier: Tier | None = None
    practice_code: str | None = None
    referral_id: str | None = None
    decided_at: datetime | None = None
    decision_version: int | None = None  # the inclusion's triage decision version, when known


@dataclass(frozen=True, slots=True)
class CaseHistoryEntry:
    """One line of the case's story, for the record and for explaining it later."""

    at: datetime
    action: str
    detail: str
    by: str | None = None


@dataclass(eq=False, kw_only=True)
class Case(FollowsReferral):
    """A patient's case on the programme, from acceptance to discharge or transfer out."""

    case_id: str
    patient_key: str
    need_level: NeedLevel
    locality: Locality
    most_pressing_need: MostPressingNeed
    opened_at: datetime
    tier: Tier | None = None
    practice_code: str | None = None
    referral_id: str | None = None
    status: CaseStatus = CaseStatus.WAITING
    assignment: Assignment | None = None
    assigned_on: date | None = None
    review_interval_days: int | None = None
    last_review_on: date | None = None
    next_review_on: date | None = None
    review_due_notified_on: date | None = None
    early_review: bool = False
    discharge_reason: DischargeReason | None = None
    closed_at: datetime | None = None
    included_at: datetime | None = None  # when the MDT decided the inclusion now standing
    included_version: int | None = None  # its triage decision version (None: not sent)
    referral_status: str | None = None  # set when the referral went on hold, resumed, ...
    attention: Attention | None = None
    episode: int = FIRST_EPISODE  # cases opened from the same referral, counting this one
    follows_case_id: str | None = None  # the closed case of the referral's previous episode
    history: list[CaseHistoryEntry] = field(default_factory=list)
    _events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        case_id: str,
        referral: AcceptedReferral,
        now: datetime,
        start: NextEpisode | None = None,
    ) -> Case:
        """A new case, waiting for an owner until assigned (a later episode names its forebear)."""
        follows = start.follows if start else None
        case = cls(
            case_id=case_id,
            patient_key=referral.patient_key,
            need_level=referral.need_level,
            locality=referral.locality,
            most_pressing_need=referral.most_pressing_need,
            opened_at=now,
            tier=referral.tier,
            practice_code=referral.practice_code,
            referral_id=referral.referral_id,
            included_at=referral.decided_at,
            included_version=referral.decision_version,
            episode=start.episode if start else FIRST_EPISODE,
            follows_case_id=follows.case_id if follows else None,
        )
        detail = f"{referral.need_level} need, {referral.most_pressing_need}"
        if follows is not None and start is not None:
            detail = f"{detail}; included again: {start.summary}"
        case._log(now, "opened", detail)
        return case

    # --- read model used by the ledger and the schedule -------------------------------------
    @property
    def weight(self) -> int:
        """Points this case adds to its owner's caseload."""
        return case_weight(self.tier)

    @property
    def assignment_kind(self) -> AssignmentKind | None:
        """How the case is held, if it is."""
        return self.assignment.kind if self.assignment else None

    @property
    def owner_id(self) -> str | None:
        """Case manager or team id holding the case."""
        return self.assignment.owner_id if self.assignment else None

    @property
    def case_manager_id(self) -> str | None:
        """The named case manager, when there is one."""
        a = self.assignment
        return a.owner_id if a and a.kind is AssignmentKind.CASE_MANAGER else None

    @property
    def is_closed(self) -> bool:
        """Discharged or transferred out."""
        return self.status in CLOSED_STATUSES

    def pull_events(self) -> list[DomainEvent]:
        """Hand the collected events to the service layer (once)."""
        events, self._events = self._events, []
        return events

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """Events collected and not yet pulled."""
        return tuple(self._events)

    # --- assignment --------------------------------------------------------------------------
    def assign(
        self,
        assignment: Assignment,
        *,
        now: datetime,
        why: str,
        case_manager: CaseManagerSummary | None = None,
        overridden: bool = False,
    ) -> None:
        """Give a waiting case its owner and schedule the first review from today."""
        if self.status is not CaseStatus.WAITING:
            raise NotOnWaitingList(f"case {self.case_id} is {self.status}, not waiting")
        from_waiting = any(h.action == "waitlisted" for h in self.history)
        self.status = CaseStatus.ACTIVE
        self.assignment = assignment
        self.assigned_on = review_day(now)
        self._reschedule(self.assigned_on)
        self._log(now, "assigned", f"{assignment.owner}: {why}")
        self._events.append(
            CaseAssigned(
                case_id=self.case_id,
                patient_key=self.patient_key,
                referral_id=self.referral_id,
                need_level=self.need_level,
                tier=self.tier,
                locality=self.locality,
                practice_code=self.practice_code,
                assignment_kind=assignment.kind,
                case_manager=case_manager,
                team_id=assignment.owner_id
                if assignment.kind is AssignmentKind.INTEGRATED_TEAM
                else None,
                assigned_at=now,
                next_review_on=self.next_review_on,
                why=why,
                overridden=overridden,
                from_waiting_list=from_waiting,
            )
        )

    def waitlist(self, *, reason: str, now: datetime) -> None:
        """Record that no fitting case manager had capacity."""
        if self.status is not CaseStatus.WAITING:
            raise NotOnWaitingList(f"case {self.case_id} is {self.status}, not waiting")
        self._log(now, "waitlisted", reason)
        self._events.append(
            CaseWaitlisted(
                case_id=self.case_id,
                patient_key=self.patient_key,
                referral_id=self.referral_id,
                need_level=self.need_level,
                tier=self.tier,
                locality=self.locality,
                reason=reason,
                waitlisted_at=now,
            )
        )

    # --- schedule ------------------------------------------------------------------------------
    def _reschedule(self, base: date) -> None:
        agreed = self.review_interval_days
        if agreed is not None and agreed > REVIEW_FREQUENCY[self.tier].max_days:
            self.review_interval_days = agreed = None
        self.next_review_on = next_review_due(self.tier, last_review_on=base, agreed_days=agreed)
        self.early_review = False

    def change_tier(self, tier: Tier | None, *, now: datetime) -> None:
        """Follow a new tier: weight and frequency; a rise to Highest asks for an early review."""
        self._ensure_open()
        previous, self.tier = self.tier, tier
        if tier == previous:
            return
        self._log(now, "tier-changed", f"{previous or 'unscored'} -> {tier or 'unscored'}")
        if self.status is not CaseStatus.ACTIVE:
            return
        self._reschedule(self.last_review_on or self.assigned_on or review_day(now))
        if tier is Tier.HIGHEST:
            self.next_review_on = early_review_due(now, self.next_review_on)
            self.early_review = True
            self._announce_review_due(early=True)

    def note_review_due(self, now: datetime) -> ReviewDue | None:
        """Announce a review that has fallen due, once per due date."""
        if not is_review_due(self, now) or self.review_due_notified_on == self.next_review_on:
            return None
        return self._announce_review_due(early=self.early_review)

    def _announce_review_due(self, *, early: bool) -> ReviewDue:
        assert self.next_review_on is not None
        self.review_due_notified_on = self.next_review_on
        event = ReviewDue(
            case_id=self.case_id,
            patient_key=self.patient_key,
            due_on=self.next_review_on,
            tier=self.tier,
            case_manager_id=self.case_manager_id,
            early=early,
        )
        self._events.append(event)
        return event

    # --- MDT reviews ---------------------------------------------------------------------------
    def record_review(
        self,
        review: MdtReview,
        *,
        agreed_criteria: Iterable[str] = DEFAULT_DISCHARGE_CRITERIA,
    ) -> None:
        """Apply an MDT decision: continue, adjust the plan, transfer or discharge."""
        self._ensure_open()
        if self.status is CaseStatus.WAITING and review.outcome is not ReviewOutcome.DISCHARGE:
            raise CaseNotActive(
                f"case {self.case_id} is waiting for an owner: only discharge applies"
            )
        if review.outcome is ReviewOutcome.DISCHARGE:
            self._discharge(review, agreed_criteria)
            return
        if review.outcome is ReviewOutcome.ADJUST_PLAN and not review.plan_summary.strip():
            raise InvalidReviewOutcome("adjusting the plan needs a summary of what should change")
        if review.outcome is ReviewOutcome.TRANSFER:
            self._transfer(review)
            if self.is_closed:
                return
        if review.next_review_in_days is not None:
            self.review_interval_days = review_interval_days(self.tier, review.next_review_in_days)
        self.last_review_on = review_day(review.reviewed_at)
        self._reschedule(self.last_review_on)
        self._log(review.reviewed_at, f"review-{review.outcome}", review.notes, review.decided_by)
        if review.outcome is ReviewOutcome.ADJUST_PLAN:
            self._events.append(
                PlanAdjustmentRequested(
                    case_id=self.case_id,
                    patient_key=self.patient_key,
                    summary=review.plan_summary.strip(),
                    requested_by=review.decided_by,
                    requested_at=review.reviewed_at,
                    next_review_on=self.next_review_on,
                )
            )

    def _transfer(self, review: MdtReview) -> None:
        target = review.transfer_to
        if target is None or (target.case_manager is None) == (target.setting is None):
            raise InvalidReviewOutcome("a transfer names either a case manager or a setting")
        if not review.notes.strip():
            raise InvalidReviewOutcome("a transfer needs a reason in the review notes")
        new = target.assignment()
        if target.setting is TransferSetting.INTEGRATED_CARE_TEAM and not target.team_id:
            raise InvalidReviewOutcome("a transfer to the integrated care team names the team")
        old = self.assignment
        if new is not None and new == old:
            raise InvalidReviewOutcome(f"the case is already held by {new.owner}")
        from_owner = old.owner if old else "unassigned"
        to_owner = new.owner if new else f"setting:{target.setting}"
        self.assignment = new or old
        if new is not None and new.kind is AssignmentKind.CASE_MANAGER:
            self._clear_attention(AttentionAction.ASSIGN_CASE_MANAGER)
        if new is None:
            self.status = CaseStatus.TRANSFERRED
            self.closed_at = review.reviewed_at
            self.next_review_on = None
        self._log(
            review.reviewed_at,
            "transferred",
            f"{from_owner} -> {to_owner}: {review.notes}",
            review.decided_by,
        )
        self._events.append(
            CaseTransferred(
                case_id=self.case_id,
                patient_key=self.patient_key,
                from_owner=from_owner,
                to_owner=to_owner,
                to_setting=target.setting,
                case_manager=target.case_manager,
                reason=review.notes.strip(),
                decided_by=review.decided_by,
                transferred_at=review.reviewed_at,
            )
        )

    def _discharge(self, review: MdtReview, agreed_criteria: Iterable[str]) -> None:
        met = check_discharge(
            review.discharge_reason, review.criteria_met, agreed_criteria=agreed_criteria
        )
        assert review.discharge_reason is not None
        released = self.case_manager_id
        self.status = CaseStatus.DISCHARGED
        self.discharge_reason = review.discharge_reason
        self.closed_at = review.reviewed_at
        self.next_review_on = None
        self._log(review.reviewed_at, "discharged", str(review.discharge_reason), review.decided_by)
        self._events.append(
            CaseDischarged(
                case_id=self.case_id,
                patient_key=self.patient_key,
                reason=review.discharge_reason,
                discharged_at=review.reviewed_at,
                decided_by=review.decided_by,
                criteria_met=met,
                released_case_manager_id=released,
            )
        )

    def _ensure_open(self) -> None:
        if self.is_closed:
            raise CaseClosed(f"case {self.case_id} is {self.status}: no further reviews or changes")

    def _log(self, at: datetime, action: str, detail: str, by: str | None = None) -> None:
        self.history.append(CaseHistoryEntry(at, action, detail, by))
