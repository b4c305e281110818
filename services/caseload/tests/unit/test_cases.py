"""The Case aggregate: MDT outcomes, transfers, discharge rules and the events it collects."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseload.domain import errors
from caseload.domain.caseloads import Caseloads
from caseload.domain.discharge import DEFAULT_DISCHARGE_CRITERIA
from caseload.domain.errors import (
    CaseClosed,
    CaseManagerAtCapacity,
    CaseNotActive,
    DischargeCriteriaNotMet,
    DischargeReasonRequired,
    DomainError,
    InvalidReviewOutcome,
    OutOfLocalityNeedsReason,
    UnknownDischargeCriterion,
)
from caseload.domain.events import (
    CaseDischarged,
    CaseManagerSummary,
    CaseTransferred,
    PlanAdjustmentRequested,
)
from caseload.domain.mdt_review import MdtReview
from caseload.domain.ownership import TransferTarget
from caseload.domain.vocabulary import (
    AssignmentKind,
    CaseStatus,
    DischargeReason,
    MostPressingNeed,
    Profession,
    ReviewOutcome,
    Tier,
    TransferSetting,
)


@pytest.fixture
def case(caseloads: Caseloads, referral, case_ids, clock):
    opened, _ = caseloads.assign(referral(tier=Tier.HIGH), case_id=case_ids(), now=clock.now())
    opened.pull_events()
    return opened


def review(clock, outcome, **kwargs):
    return MdtReview(outcome=outcome, decided_by="mdt-north", reviewed_at=clock.now(), **kwargs)


def to_manager(manager_id: str) -> TransferTarget:
    return TransferTarget(
        case_manager=CaseManagerSummary(manager_id, "x", Profession.SOCIAL_WORKER)
    )


def test_continue_keeps_the_plan_and_schedules_the_next_review(caseloads, case, clock):
    clock.advance(timedelta(days=20))
    caseloads.record_review(case, review(clock, ReviewOutcome.CONTINUE, notes="stable"))
    assert case.status is CaseStatus.ACTIVE
    assert case.last_review_on == clock.now().date()
    assert case.pull_events() == []
    assert case.history[-1].action == "review-continue" and case.history[-1].by == "mdt-north"


def test_adjust_plan_asks_careplans_for_a_plan_adjustment(caseloads, case, clock):
    caseloads.record_review(
        case, review(clock, ReviewOutcome.ADJUST_PLAN, plan_summary="add falls assessment")
    )
    [event] = case.pull_events()
    assert isinstance(event, PlanAdjustmentRequested)
    assert event.summary == "add falls assessment" and event.requested_by == "mdt-north"
    assert event.next_review_on == case.next_review_on


def test_adjust_plan_without_a_summary_is_refused(caseloads, case, clock):
    with pytest.raises(InvalidReviewOutcome):
        caseloads.record_review(case, review(clock, ReviewOutcome.ADJUST_PLAN))


def test_transfer_to_another_case_manager_moves_the_load(caseloads, case, clock):
    before = case.case_manager_id
    caseloads.record_review(
        case,
        review(
            clock,
            ReviewOutcome.TRANSFER,
            notes="social needs now lead",
            transfer_to=to_manager("n-social"),
        ),
    )
    assert case.status is CaseStatus.ACTIVE and case.case_manager_id == "n-social"
    assert caseloads.ledger.load_of("n-social").points == 2
    assert caseloads.ledger.load_of(before or "").points == 0
    [event] = case.pull_events()
    assert isinstance(event, CaseTransferred)
    assert (
        event.from_owner == f"case-manager:{before}" and event.to_owner == "case-manager:n-social"
    )
    assert event.case_manager is not None and event.case_manager.name == "Sol Worker"


def test_transfer_to_a_full_or_out_of_locality_manager_is_refused(
    caseloads, case, clock, referral, case_ids
):
    with pytest.raises(OutOfLocalityNeedsReason):
        caseloads.record_review(
            case,
            review(
                clock, ReviewOutcome.TRANSFER, notes="moving", transfer_to=to_manager("c-nurse")
            ),
        )
    caseloads.record_review(
        case,
        review(clock, ReviewOutcome.TRANSFER, notes="moving", transfer_to=to_manager("c-nurse")),
        out_of_locality_reason="moved to Shrewsbury",
    )
    assert case.case_manager_id == "c-nurse"
    for _ in range(2):
        caseloads.assign(
            referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now()
        )
    other, _ = caseloads.assign(referral(), case_id=case_ids(), now=clock.now())
    caseloads.assign(referral(need=MostPressingNeed.SOCIAL), case_id=case_ids(), now=clock.now())
    with pytest.raises(CaseManagerAtCapacity):
        caseloads.record_review(
            other,
            review(clock, ReviewOutcome.TRANSFER, notes="x", transfer_to=to_manager("n-social")),
        )


def test_transfer_to_the_integrated_care_team_keeps_the_case_on_the_programme(
    caseloads, case, clock
):
    caseloads.record_review(
        case,
        review(
            clock,
            ReviewOutcome.TRANSFER,
            notes="need now moderate",
            transfer_to=TransferTarget(setting=TransferSetting.INTEGRATED_CARE_TEAM),
        ),
    )
    assert case.status is CaseStatus.ACTIVE
    assert case.assignment_kind is AssignmentKind.INTEGRATED_TEAM and case.owner_id == "ict-north"
    assert caseloads.ledger.team_cases("ict-north") == 1


@pytest.mark.parametrize(
    "setting",
    [TransferSetting.HOSPITAL_AT_HOME, TransferSetting.PRIMARY_CARE, TransferSetting.SOCIAL_CARE],
)
def test_transfer_to_another_setting_closes_the_case_and_frees_capacity(
    caseloads, case, clock, setting
):
    manager = case.case_manager_id
    caseloads.record_review(
        case,
        review(
            clock,
            ReviewOutcome.TRANSFER,
            notes="better served there",
            transfer_to=TransferTarget(setting=setting),
        ),
    )
    assert case.status is CaseStatus.TRANSFERRED and case.next_review_on is None
    assert caseloads.ledger.load_of(manager or "").cases == 0
    [event] = case.pull_events()
    assert isinstance(event, CaseTransferred) and event.to_owner == f"setting:{setting}"


@pytest.mark.parametrize(
    "target",
    [
        None,
        TransferTarget(),
        TransferTarget(
            setting=TransferSetting.PRIMARY_CARE,
            case_manager=CaseManagerSummary("a", "b", Profession.PHARMACIST),
        ),
    ],
)
def test_transfer_must_name_exactly_one_target(case, clock, target):
    with pytest.raises(InvalidReviewOutcome):
        case.record_review(review(clock, ReviewOutcome.TRANSFER, notes="x", transfer_to=target))


def test_transfer_needs_a_reason_and_a_new_owner(case, clock):
    with pytest.raises(InvalidReviewOutcome):
        case.record_review(
            review(clock, ReviewOutcome.TRANSFER, transfer_to=to_manager("n-social"))
        )
    with pytest.raises(InvalidReviewOutcome):
        case.record_review(
            review(
                clock,
                ReviewOutcome.TRANSFER,
                notes="x",
                transfer_to=to_manager(case.case_manager_id or ""),
            )
        )


def test_discharge_without_a_reason_is_a_typed_error(caseloads, case, clock):
    with pytest.raises(DischargeReasonRequired) as err:
        caseloads.record_review(case, review(clock, ReviewOutcome.DISCHARGE))
    assert err.value.code == "discharge-reason-required"
    assert case.status is CaseStatus.ACTIVE


def test_discharge_on_improvement_needs_every_agreed_criterion(caseloads, case, clock):
    partial = tuple(DEFAULT_DISCHARGE_CRITERIA)[:-1]
    with pytest.raises(DischargeCriteriaNotMet) as err:
        caseloads.record_review(
            case,
            review(
                clock,
                ReviewOutcome.DISCHARGE,
                discharge_reason=DischargeReason.IMPROVED,
                criteria_met=partial,
            ),
        )
    assert "gp-agrees" in err.value.message
    with pytest.raises(UnknownDischargeCriterion):
        caseloads.record_review(
            case,
            review(
                clock,
                ReviewOutcome.DISCHARGE,
                discharge_reason=DischargeReason.IMPROVED,
                criteria_met=(*DEFAULT_DISCHARGE_CRITERIA, "feels-better"),
            ),
        )
    caseloads.record_review(
        case,
        review(
            clock,
            ReviewOutcome.DISCHARGE,
            discharge_reason=DischargeReason.IMPROVED,
            criteria_met=tuple(DEFAULT_DISCHARGE_CRITERIA),
        ),
    )
    [event] = case.pull_events()
    assert isinstance(event, CaseDischarged) and event.reason is DischargeReason.IMPROVED
    assert event.criteria_met == tuple(sorted(DEFAULT_DISCHARGE_CRITERIA))


@pytest.mark.parametrize("reason", [DischargeReason.PATIENT_CHOICE, DischargeReason.DIED])
def test_discharge_on_patient_choice_or_death_releases_capacity(caseloads, case, clock, reason):
    manager = case.case_manager_id
    caseloads.record_review(case, review(clock, ReviewOutcome.DISCHARGE, discharge_reason=reason))
    assert case.status is CaseStatus.DISCHARGED and case.discharge_reason is reason
    assert caseloads.ledger.load_of(manager or "").points == 0
    [event] = case.pull_events()
    assert isinstance(event, CaseDischarged) and event.released_case_manager_id == manager


def test_a_review_on_a_discharged_case_is_a_typed_error(caseloads, case, clock):
    caseloads.record_review(
        case, review(clock, ReviewOutcome.DISCHARGE, discharge_reason=DischargeReason.DIED)
    )
    with pytest.raises(CaseClosed) as err:
        caseloads.record_review(case, review(clock, ReviewOutcome.CONTINUE))
    assert err.value.code == "case-closed"
    with pytest.raises(CaseClosed):
        caseloads.change_tier(case, Tier.HIGHEST, now=clock.now())


def test_a_waiting_case_can_only_be_discharged(caseloads, referral, case_ids, clock):
    for manager_id in ("n-nurse-a", "n-nurse-b", "n-matron"):
        caseloads.workforce.set_active(manager_id, False)
    waiting, _ = caseloads.assign(referral(), case_id=case_ids(), now=clock.now())
    with pytest.raises(CaseNotActive):
        caseloads.record_review(waiting, review(clock, ReviewOutcome.CONTINUE))


def test_events_are_handed_over_once(case, clock):
    case.record_review(review(clock, ReviewOutcome.ADJUST_PLAN, plan_summary="x"))
    assert len(case.pending_events) == 1
    assert len(case.pull_events()) == 1 and case.pull_events() == []


def test_every_domain_error_has_its_own_code_and_a_message():
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, DomainError) and c is not DomainError
    ]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)) and "domain-error" not in codes
    assert str(CaseClosed("case x is discharged")) == "case x is discharged"
