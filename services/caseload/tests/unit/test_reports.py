"""Reports: caseloads by manager, team and locality against the seed; waiting; overdue reviews."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest

from caseload.domain.assignment import TeamLeadOverride
from caseload.domain.capacity import LoadLedger
from caseload.domain.caseloads import Caseloads
from caseload.domain.mdt_review import MdtReview
from caseload.domain.modelled_numbers import (
    PROJECTED_CASE_MANAGEMENT,
    PROJECTED_CASE_MANAGEMENT_TOTAL,
    TABLE_1_CASE_MANAGEMENT,
    TABLE_1_TOTALS,
    ModelledBasis,
)
from caseload.domain.reports import (
    caseload_by_locality,
    caseload_by_manager,
    caseload_by_team,
    overdue_by_owner,
    reviews_overdue,
    waiting_list_report,
)
from caseload.domain.vocabulary import (
    AssignmentKind,
    CaseStatus,
    DischargeReason,
    Locality,
    MostPressingNeed,
    NeedLevel,
    ReviewOutcome,
    Tier,
)
from caseload.domain.workforce import TeamKind


def test_seed_figures_add_up_to_the_seed_totals():
    assert sum(PROJECTED_CASE_MANAGEMENT.values()) == PROJECTED_CASE_MANAGEMENT_TOTAL == 8793
    for basis, per_locality in TABLE_1_CASE_MANAGEMENT.items():
        assert sum(per_locality.values()) == TABLE_1_TOTALS[basis]
    assert TABLE_1_CASE_MANAGEMENT[ModelledBasis.FY2020_21][Locality.CENTRAL] == 2517


@pytest.fixture
def busy(caseloads: Caseloads, referral, case_ids, clock):
    """North: 3 named, 1 team, 1 self-care, 1 waiting social case; Central: 1 named."""
    made = []
    for kwargs in (
        {"tier": Tier.HIGHEST},
        {"tier": Tier.HIGH},
        {"tier": Tier.HIGH, "need": MostPressingNeed.SOCIAL},
        {"need_level": NeedLevel.MODERATE},
        {"need_level": NeedLevel.MILD, "tier": Tier.LOW},
        {"locality": Locality.CENTRAL},
    ):
        made.append(caseloads.assign(referral(**kwargs), case_id=case_ids(), now=clock.now())[0])
    for _ in range(2):
        made.append(
            caseloads.assign(
                referral(need=MostPressingNeed.SOCIAL),
                case_id=case_ids(),
                now=clock.now(),
                override=TeamLeadOverride(case_manager_id="n-social", reason="x", decided_by="l"),
            )[0]
        )
    clock.advance(timedelta(days=1))
    made.append(
        caseloads.assign(
            referral(need=MostPressingNeed.SOCIAL, tier=Tier.HIGHEST),
            case_id=case_ids(),
            now=clock.now(),
        )[0]
    )
    return made


def test_locality_report_compares_case_managed_patients_with_the_modelled_numbers(caseloads, busy):
    rows = caseload_by_locality(caseloads.workforce, caseloads.ledger, scale=0.001)
    north, central, south, county = rows
    assert north.locality is Locality.NORTH and county.locality is None
    assert (north.named_case_manager, north.integrated_team, north.self_care, north.waiting) == (
        5,
        1,
        1,
        1,
    )
    assert north.case_managed == 6 and north.open_cases == 8
    assert north.modelled == 3 and north.share_of_modelled == pytest.approx(2.0)
    assert central.named_case_manager == 1 and south.open_cases == 0
    assert county.case_managed == 7 and county.modelled == 3 + 3 + 3
    assert north.population_share == 0.316
    assert north.capacity_points == 24 and north.load_points == 3 + 2 + 2 + 2 + 2


def test_locality_report_can_use_a_table_1_year(caseloads, busy):
    rows = caseload_by_locality(
        caseloads.workforce, caseloads.ledger, basis=ModelledBasis.FY2019_20
    )
    assert [r.modelled for r in rows] == [1430, 1510, 1490, 4430]


def test_manager_report_shows_utilisation_against_capacity(caseloads, busy):
    rows = {r.manager_id: r for r in caseload_by_manager(caseloads.workforce, caseloads.ledger)}
    social = rows["n-social"]
    assert (social.cases, social.load_points, social.capacity_points) == (3, 6, 6)
    assert social.utilisation == pytest.approx(1.0) and not social.over_capacity
    assert [r.locality for r in rows.values()][-1] is Locality.CENTRAL


def test_team_report_counts_named_caseloads_and_integrated_team_cases(caseloads, busy):
    rows = {r.team_id: r for r in caseload_by_team(caseloads.workforce, caseloads.ledger)}
    assert rows["cm-north"].cases == 5 and rows["cm-north"].managers == 4
    assert rows["ict-north"].kind is TeamKind.INTEGRATED_CARE and rows["ict-north"].cases == 1
    assert rows["cm-north"].utilisation == pytest.approx(11 / 24)


def test_waiting_list_report_shows_order_and_time_waited(caseloads, busy, clock):
    clock.advance(timedelta(days=5))
    [row] = waiting_list_report(caseloads.waiting, clock.now())
    assert row.position == 1 and row.waited_days == 5 and row.tier is Tier.HIGHEST
    assert "at capacity" in row.reason


def test_reviews_overdue_lists_most_overdue_first_per_owner(caseloads, busy, clock):
    clock.advance(timedelta(days=20))
    rows = reviews_overdue(busy, clock.now())
    assert [r.tier for r in rows] == [Tier.HIGHEST]  # due day 14, High not until day 28
    clock.advance(timedelta(days=30))
    rows = reviews_overdue(busy, clock.now())
    assert rows[0].days_overdue == 37 and rows[0].tier is Tier.HIGHEST
    assert all(r.tier in (Tier.HIGHEST, Tier.HIGH) for r in rows)
    counts = overdue_by_owner(rows)
    assert counts["n-social"] == 3 and counts["ict-north"] == 1


def test_ledger_aggregates_match_a_full_recount_after_random_churn(
    caseloads: Caseloads, referral, case_ids, clock
):
    rng = random.Random(3)
    cases = []
    for _ in range(200):
        action = rng.random()
        open_cases = [c for c in cases if not c.is_closed]
        if action < 0.55 or not open_cases:
            case, _ = caseloads.assign(
                referral(
                    need_level=rng.choice(list(NeedLevel)),
                    need=rng.choice(list(MostPressingNeed)),
                    tier=rng.choice([*Tier, None]),
                    locality=rng.choice(list(Locality)),
                ),
                case_id=case_ids(),
                now=clock.now(),
            )
            cases.append(case)
        elif action < 0.75:
            caseloads.change_tier(rng.choice(open_cases), rng.choice(list(Tier)), now=clock.now())
        else:
            caseloads.record_review(
                rng.choice(open_cases),
                MdtReview(
                    outcome=ReviewOutcome.DISCHARGE,
                    decided_by="mdt",
                    reviewed_at=clock.now(),
                    discharge_reason=DischargeReason.DIED,
                ),
            )
            caseloads.assign_from_waiting_list({c.case_id: c for c in cases}, now=clock.now())
        clock.advance(timedelta(hours=3))
    fresh = LoadLedger.from_cases(cases)
    points, counts = Counter[str](), Counter[str]()
    for c in cases:
        if c.status is CaseStatus.ACTIVE and c.assignment_kind is AssignmentKind.CASE_MANAGER:
            points[c.owner_id or ""] += c.weight
            counts[c.owner_id or ""] += 1
    for m in caseloads.workforce.case_managers:
        live = caseloads.ledger.load_of(m.manager_id)
        assert (live.points, live.cases) == (points[m.manager_id], counts[m.manager_id])
        assert live == fresh.load_of(m.manager_id)
    waiting = {c.case_id for c in cases if c.status is CaseStatus.WAITING}
    assert {e.case_id for e in caseloads.waiting.ordered()} == waiting
    assert caseloads.ledger.open_cases() == sum(1 for c in cases if not c.is_closed)
