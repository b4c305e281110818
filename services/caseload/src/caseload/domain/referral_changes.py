"""How a case follows the referral behind it: a withdrawn or revoked inclusion flags it for
closure, entered in error withdraws it, a hold shows on it (and passes a waiting patient over),
a corrected inclusion moves it."""

from __future__ import annotations

from datetime import date, datetime

from caseload.domain.attention import Attention
from caseload.domain.episodes import Inclusion
from caseload.domain.errors import CaseNotActive
from caseload.domain.events import (
    CaseManagerSummary,
    CaseTransferred,
    CaseWithdrawn,
    DomainEvent,
)
from caseload.domain.ownership import Assignment
from caseload.domain.vocabulary import (
    AssignmentKind,
    AttentionAction,
    CaseStatus,
    NeedLevel,
    TransferSetting,
)

# ServiceRequest.status of a referral paused by the referrals team (awaiting information, ...).
REFERRAL_ON_HOLD = "on-hold"


class FollowsReferral:
    """The Case aggregate's behaviour when its referral changes (mixed into Case)."""

    case_id: str
    patient_key: str
    referral_id: str | None
    need_level: NeedLevel
    status: CaseStatus
    assignment: Assignment | None
    next_review_on: date | None
    closed_at: datetime | None
    included_at: datetime | None
    included_version: int | None
    referral_status: str | None
    attention: Attention | None
    _events: list[DomainEvent]

    def _ensure_open(self) -> None:
        raise NotImplementedError

    def _log(self, at: datetime, action: str, detail: str, by: str | None = None) -> None:
        raise NotImplementedError

    def flag(self, attention: Attention) -> bool:
        """Put the case on the attention worklist; False when this cause already put it there."""
        self._ensure_open()
        if self.attention is not None and self.attention.same_cause(attention):
            return False
        self.attention = attention
        self._log(
            attention.raised_at,
            f"flagged:{attention.action}",
            attention.reason,
            attention.raised_by,
        )
        return True

    def _clear_attention(self, action: AttentionAction) -> None:
        if self.attention is not None and self.attention.action is action:
            self.attention = None

    @property
    def standing_inclusion(self) -> Inclusion:
        """The MDT inclusion the case now answers (and every one before it)."""
        return Inclusion(decided_at=self.included_at, version=self.included_version)

    def follow_inclusion(self, inclusion: Inclusion) -> None:
        """A later inclusion of the referral now stands on the case."""
        self.included_at = inclusion.decided_at
        self.included_version = inclusion.version

    def confirm_inclusion(self, inclusion: Inclusion, *, decided_by: str) -> bool:
        """The MDT included the patient again after withdrawing the inclusion: keep the case.

        Later than the withdrawal means a higher decision version than the inclusion withdrawn
        (the MDT may backdate it to before the reversal); without versions, decided after it.
        """
        flag = self.attention
        if flag is None or flag.action is not AttentionAction.CLOSE_WITH_HANDOVER:
            return False
        withdrawn = Inclusion(decided_at=flag.raised_at, version=flag.withdrawn_version)
        if not inclusion.is_later_than([withdrawn]):
            return False  # an older acceptance replayed: the withdrawal still stands
        self.attention = None
        self.follow_inclusion(inclusion)
        at = inclusion.decided_at or flag.raised_at
        self._log(at, "re-included", "the MDT included the patient again", decided_by)
        return True

    def withdrawal_is_stale(self, withdrawn_version: int | None) -> bool:
        """Whether a reversal withdrew an inclusion older than the one standing on the case (a
        replay after the MDT included the patient again): it must not flag or close the case."""
        standing = self.included_version
        return (
            withdrawn_version is not None and standing is not None and withdrawn_version < standing
        )

    def correct_need_level(self, need_level: NeedLevel, *, decided_by: str, now: datetime) -> None:
        """The MDT corrected its inclusion to another need level (ownership follows)."""
        self._ensure_open()
        previous, self.need_level = self.need_level, need_level
        self._log(now, "need-corrected", f"{previous} -> {need_level} need", decided_by)

    def reassign(
        self,
        assignment: Assignment,
        *,
        now: datetime,
        why: str,
        decided_by: str,
        case_manager: CaseManagerSummary | None = None,
    ) -> None:
        """Move an active case to the owner its corrected need level calls for."""
        if self.status is not CaseStatus.ACTIVE:
            raise CaseNotActive(f"case {self.case_id} is {self.status}: nothing to move")
        from_owner = self.assignment.owner if self.assignment else "unassigned"
        self.assignment = assignment
        if assignment.kind is AssignmentKind.CASE_MANAGER:
            self._clear_attention(AttentionAction.ASSIGN_CASE_MANAGER)
        self._log(now, "transferred", f"{from_owner} -> {assignment.owner}: {why}", decided_by)
        team = assignment.kind is AssignmentKind.INTEGRATED_TEAM
        self._events.append(
            CaseTransferred(
                case_id=self.case_id,
                patient_key=self.patient_key,
                from_owner=from_owner,
                to_owner=assignment.owner,
                to_setting=TransferSetting.INTEGRATED_CARE_TEAM if team else None,
                case_manager=case_manager,
                reason=why,
                decided_by=decided_by,
                transferred_at=now,
            )
        )

    @property
    def referral_on_hold(self) -> bool:
        """Whether the referral behind the case is on hold (a waiting patient is passed over)."""
        return self.referral_status == REFERRAL_ON_HOLD

    def end_hold_on_inclusion(self, *, decided_at: datetime, decided_by: str) -> bool:
        """An MDT inclusion decided on a held referral completes it: the hold no longer stands."""
        if not self.referral_on_hold:
            return False
        self.referral_status = None
        self._log(decided_at, "referral-hold-ended", "the MDT included the patient", decided_by)
        return True

    def note_referral_status(self, status: str, *, reason: str, by: str, at: datetime) -> bool:
        """Show the referral's hold or resumption on the case; False when already shown."""
        if self.referral_status == status:
            return False
        self.referral_status = status
        self._log(at, f"referral-{status}", reason or "no reason given", by)
        return True

    def withdraw(self, *, reason: str, by: str, now: datetime) -> None:
        """Close a case that should not have been opened; its capacity is released on sync."""
        self._ensure_open()
        was_waiting = self.status is CaseStatus.WAITING
        a = self.assignment
        released = a.owner_id if a and a.kind is AssignmentKind.CASE_MANAGER else None
        self.status = CaseStatus.WITHDRAWN
        self.closed_at = now
        self.next_review_on = None
        self.attention = None
        self._log(now, "withdrawn", reason, by)
        self._events.append(
            CaseWithdrawn(
                case_id=self.case_id,
                patient_key=self.patient_key,
                referral_id=self.referral_id,
                reason=reason,
                withdrawn_by=by,
                withdrawn_at=now,
                was_waiting=was_waiting,
                released_case_manager_id=released,
            )
        )
