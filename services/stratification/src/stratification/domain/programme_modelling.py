"""Programme modelling: the Shropshire seed's admission-avoidance tables, computed from inputs.

The arithmetic the seed used, found by reproducing every printed figure (Excel-style rounding,
half away from zero, unless said otherwise):

- Appendix A Table 1: target = ROUND(NEL benchmark x 10/20/24%); case management =
  ROUND(target / 20/24/28%) -- from the *rounded* target (2,383 = 572 / 0.24, not 2,861 x 0.2 /
  0.24 = 2,384). The NEL benchmark per locality is not printed; it is back-solved (see
  programme_inputs). Two printed figures fit no single benchmark and are carried as stated
  inputs, each recorded as a `Discrepancy`: South 2019/20 target 298 (derived 299) and the
  2020/21 target total 1,772 (rows sum to 1,774).
- Total NEL 14,556 = 9,508 + 2,085 + 2,963; target 3,000 = 2,963 to the nearest hundred;
  20.6% = 3,000 / 14,556 to one decimal.
- 1-3 LTC table: 33.4% = 3,000 / 8,987 (= 3,481 + 3,299 + 2,207) to one decimal, the rate given
  to 2 LTCs; 45% and 15% are stated; AA = ROUND(admissions x %) = 1,566 / 1,102 / 331.
- Numbers for case management = TRUNC(65+ x 240/1000 x 50%): 23,190 -> 2,782.8 -> 2,782;
  2,656; 3,355; total 8,793 is the sum of the rows (not 8,793 x share, nor 73,287 x 12% = 8,794).
  The seed applies both factors to the 65+ count itself, i.e. 12% of the 65+; we follow its
  arithmetic. "% of population" is each locality's share of the 65+ to one decimal.
- Resource table: rows are inputs; row totals are sums; the Total row is the avoidability
  classification (2,963 / 2,085 / 5,048), which exceeds the rows' sum in the usually column by 2
  (2,961): two usually-avoidable admissions the clinicians allocated to no route.
- Overview: Hospital at Home = 1,093 + ROUND(45% x 1,796 = 808) = 1,901 of 2,963 = 64.2%;
  crisis response = 100 - 64.2 = 35.8%. Locality target = ROUND(3,000 x share); each split =
  ROUND(locality target x 64.2% / 35.8%); totals are the sums of the rows (1,927 / 1,073).

Not reproduced: Optimity's "385 per 5,000 head of 65+ = 4,586" needs a 65+ base of 59,558, which
the seed does not give.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from stratification.domain.errors import InvalidModellingInputs
from stratification.domain.population.localities import Locality
from stratification.domain.programme_inputs import (
    ModellingInputs,
    ResourceRoute,
    StatedFigure,
    Table1Measure,
)
from stratification.domain.programme_tables import (
    AppendixATable1,
    AvoidabilitySummary,
    CaseManagementRow,
    CaseManagementTable,
    Discrepancy,
    LtcTargetRow,
    LtcTargetTable,
    OverviewRow,
    OverviewTable,
    ProgrammeModel,
    ResourceRow,
    ResourceTable,
    ServiceSplit,
    Table1Row,
    YearFigures,
)

__all__ = [
    "AppendixATable1",
    "AvoidabilitySummary",
    "CaseManagementRow",
    "CaseManagementTable",
    "Discrepancy",
    "LtcTargetRow",
    "LtcTargetTable",
    "ModellingInputs",
    "OverviewRow",
    "OverviewTable",
    "ProgrammeModel",
    "ResourceRow",
    "ResourceTable",
    "ServiceSplit",
    "Table1Row",
    "YearFigures",
    "compute_programme_model",
    "percent_of",
    "percent_to_one_decimal",
    "round_half_up",
    "truncate",
]

HUNDRED = Decimal(100)
_ONE_DECIMAL = Decimal("0.1")


def round_half_up(value: Decimal) -> int:
    """Excel's ROUND to a whole number, which the seed's tables were made with."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def truncate(value: Decimal) -> int:
    """Whole people, dropping the fraction, as the seed's case management numbers do."""
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def percent_to_one_decimal(part: int, whole: int) -> Decimal:
    """A share as the seed prints it (31.6%)."""
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(_ONE_DECIMAL, ROUND_HALF_UP)


def percent_of(count: int | Decimal, percent: Decimal) -> Decimal:
    """Exact count x percent / 100, before any rounding."""
    return Decimal(count) * percent / HUNDRED


def compute_programme_model(inputs: ModellingInputs) -> ProgrammeModel:
    """Reproduce the seed's tables (or a population's own) from their inputs."""
    table_1, discrepancies = _appendix_a_table_1(inputs)
    avoidability = _avoidability(inputs)
    ltc = _ltc_targets(inputs, avoidability.target)
    case_management = _case_management(inputs)
    resources = _resources(inputs)
    split = _service_split(inputs, ltc, resources)
    overview = _overview(case_management, split, avoidability.target)
    return ProgrammeModel(
        appendix_a_table_1=table_1,
        avoidability=avoidability,
        ltc_targets=ltc,
        case_management=case_management,
        resources=resources,
        service_split=split,
        overview=overview,
        discrepancies=discrepancies,
    )


def _stated(
    inputs: ModellingInputs,
) -> dict[tuple[str, Locality | None, Table1Measure], StatedFigure]:
    years = {y.label for y in inputs.plan_years}
    stated = {(s.year, s.locality, s.measure): s for s in inputs.table_1_stated}
    if any(year not in years for year, _, _ in stated):
        raise InvalidModellingInputs("a stated Table 1 figure names an unknown plan year")
    return stated


def _appendix_a_table_1(
    inputs: ModellingInputs,
) -> tuple[AppendixATable1, tuple[Discrepancy, ...]]:
    stated = _stated(inputs)
    discrepancies: list[Discrepancy] = []

    def carry(key: tuple[str, Locality | None, Table1Measure], derived: int) -> int:
        figure = stated.get(key)
        if figure is None or figure.value == derived:
            return derived
        where = key[1].value if key[1] else "total"
        cell = f"{key[0]} {where} {key[2].value}"
        discrepancies.append(
            Discrepancy("appendix-a-table-1", cell, derived, figure.value, figure.why)
        )
        return figure.value

    rows = []
    for locality in Locality:
        years = {}
        for year in inputs.plan_years:
            benchmark = inputs.nel_1_to_3_ltc_by_locality[locality]
            derived_target = round_half_up(percent_of(benchmark, year.nel_avoidance_percent))
            target = carry((year.label, locality, Table1Measure.TARGET), derived_target)
            per_person = year.case_management_avoidance_percent / HUNDRED
            case_management = carry(
                (year.label, locality, Table1Measure.CASE_MANAGEMENT),
                round_half_up(Decimal(target) / per_person),
            )
            years[year.label] = YearFigures(case_management, target)
        rows.append(
            Table1Row(
                locality,
                inputs.aged_65_plus[locality],
                inputs.aged_65_plus_with_ltc[locality],
                years,
            )
        )
    total_years = {
        y.label: YearFigures(
            carry(
                (y.label, None, Table1Measure.CASE_MANAGEMENT),
                sum(r.years[y.label].case_management for r in rows),
            ),
            carry(
                (y.label, None, Table1Measure.TARGET), sum(r.years[y.label].target for r in rows)
            ),
        )
        for y in inputs.plan_years
    }
    total = Table1Row(
        None,
        sum(r.aged_65_plus for r in rows),
        sum(r.aged_65_plus_with_ltc for r in rows),
        total_years,
    )
    return AppendixATable1(tuple(rows), total), tuple(discrepancies)


def _avoidability(inputs: ModellingInputs) -> AvoidabilitySummary:
    target = inputs.target_admission_avoidance
    if target is None:
        target = round_half_up(Decimal(inputs.nel_usually_avoidable) / HUNDRED) * 100
    return AvoidabilitySummary(
        total=inputs.nel_total,
        unavoidable=inputs.nel_unavoidable,
        sometimes_avoidable=inputs.nel_sometimes_avoidable,
        usually_avoidable=inputs.nel_usually_avoidable,
        target=target,
        target_percent_of_total=percent_to_one_decimal(target, inputs.nel_total),
    )


def _ltc_targets(inputs: ModellingInputs, target: int) -> LtcTargetTable:
    admissions = sum(inputs.nel_by_ltc_count.values())
    required = percent_to_one_decimal(target, admissions)
    rows = tuple(
        LtcTargetRow(
            ltc_count=k,
            nel_admissions=n,
            target_percent=inputs.ltc_target_percent.get(k, required),
            admission_avoidance=round_half_up(
                percent_of(n, inputs.ltc_target_percent.get(k, required))
            ),
        )
        for k, n in sorted(inputs.nel_by_ltc_count.items())
    )
    return LtcTargetTable(rows, admissions, required, sum(r.admission_avoidance for r in rows))


def _case_management(inputs: ModellingInputs) -> CaseManagementTable:
    whole = sum(inputs.aged_65_plus.values())
    per_person = (
        Decimal(inputs.aged_65_plus_per_1000_registered)
        / 1000
        * inputs.percent_of_them_with_1_to_3_ltc
        / HUNDRED
    )
    rows = tuple(
        CaseManagementRow(
            locality,
            percent_to_one_decimal(inputs.aged_65_plus[locality], whole),
            truncate(inputs.aged_65_plus[locality] * per_person),
        )
        for locality in Locality
    )
    total = CaseManagementRow(
        None, sum((r.population_percent for r in rows), Decimal(0)), sum(r.numbers for r in rows)
    )
    return CaseManagementTable(rows, total)


def _resources(inputs: ModellingInputs) -> ResourceTable:
    rows = tuple(ResourceRow(a.route, a.usually, a.sometimes) for a in inputs.service_allocation)
    total = ResourceRow(None, inputs.nel_usually_avoidable, inputs.nel_sometimes_avoidable)
    unallocated_usually = total.usually - sum(r.usually for r in rows)
    unallocated_sometimes = total.sometimes - sum(r.sometimes for r in rows)
    if unallocated_usually < 0 or unallocated_sometimes < 0:
        raise InvalidModellingInputs("routes are given more avoidable admissions than exist")
    return ResourceTable(rows, total, unallocated_usually, unallocated_sometimes)


def _service_split(
    inputs: ModellingInputs, ltc: LtcTargetTable, resources: ResourceTable
) -> ServiceSplit:
    usually = {r.route: r.usually for r in resources.rows}
    share = inputs.hospital_at_home_share_of_either_percent
    if share is None:
        share = next((r.target_percent for r in ltc.rows if r.ltc_count == 1), Decimal(0))
    either = usually.get(ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS, 0)
    to_hospital_at_home = round_half_up(percent_of(either, share))
    hospital_at_home = usually.get(ResourceRoute.HOSPITAL_AT_HOME, 0) + to_hospital_at_home
    crisis = usually.get(ResourceRoute.CRISIS, 0) + either - to_hospital_at_home
    if resources.total.usually == 0:
        raise InvalidModellingInputs("no usually-avoidable admissions to plan services for")
    hospital_at_home_percent = percent_to_one_decimal(hospital_at_home, resources.total.usually)
    return ServiceSplit(
        hospital_at_home_share_of_either=to_hospital_at_home,
        hospital_at_home_usually=hospital_at_home,
        crisis_response_usually=crisis,
        hospital_at_home_percent=hospital_at_home_percent,
        crisis_response_percent=HUNDRED - hospital_at_home_percent,
    )


def _overview(
    case_management: CaseManagementTable, split: ServiceSplit, target: int
) -> OverviewTable:
    rows = []
    for row in case_management.rows:
        locality_target = round_half_up(percent_of(target, row.population_percent))
        rows.append(
            OverviewRow(
                locality=row.locality,
                population_percent=row.population_percent,
                case_management=row.numbers,
                target=locality_target,
                hospital_at_home=round_half_up(
                    percent_of(locality_target, split.hospital_at_home_percent)
                ),
                crisis_response=round_half_up(
                    percent_of(locality_target, split.crisis_response_percent)
                ),
            )
        )
    total = OverviewRow(
        locality=None,
        population_percent=case_management.total.population_percent,
        case_management=case_management.total.numbers,
        target=sum(r.target for r in rows),
        hospital_at_home=sum(r.hospital_at_home for r in rows),
        crisis_response=sum(r.crisis_response for r in rows),
    )
    return OverviewTable(tuple(rows), total)
