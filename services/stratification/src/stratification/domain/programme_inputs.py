"""Inputs to the programme modelling: the seed's stated figures, or a population's own counts.

Every default is a figure printed in the Shropshire seed (000_0957dfea3f3b4964.txt) except the
per-locality NEL benchmark of Appendix A Table 1, which the seed does not print and which is
back-solved from its targets (see `SEED_NEL_1_TO_3_LTC_BY_LOCALITY`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from stratification.domain.errors import InvalidModellingInputs
from stratification.domain.population.localities import Locality


class ResourceRoute(StrEnum):
    """Where the clinicians judged an avoidable admission would best be managed (seed rows)."""

    HOSPITAL_AT_HOME = "hospital-at-home"
    HOSPITAL_AT_HOME_OR_CRISIS = "hospital-at-home-or-crisis-response"
    HOSPITAL_AT_HOME_OR_CRISIS_OR_ADMISSION = "hospital-at-home-or-crisis-response-or-admission"
    CRISIS = "crisis-response"
    CRISIS_OR_ADMISSION = "crisis-response-or-admission"

    @property
    def label(self) -> str:
        """Row text of the seed's resource table."""
        return _ROUTE_LABELS[self]


_ROUTE_LABELS = {
    ResourceRoute.HOSPITAL_AT_HOME: "Hospital at Home",
    ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS: "Hospital at Home or Crisis Response/Step up beds",
    ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS_OR_ADMISSION: (
        "Hospital at Home or Crisis Response/Step up beds or Admission"
    ),
    ResourceRoute.CRISIS: "Crisis Response/Step up beds",
    ResourceRoute.CRISIS_OR_ADMISSION: "Crisis Response/Step up beds or admission",
}


class Table1Measure(StrEnum):
    """The two columns Appendix A Table 1 gives for each plan year."""

    CASE_MANAGEMENT = "case-management"
    TARGET = "nel-admission-avoidance-target"


@dataclass(frozen=True)
class PlanYear:
    """A Table 1 plan year: share of NEL admissions to avoid; what case management avoids."""

    label: str
    nel_avoidance_percent: Decimal
    case_management_avoidance_percent: Decimal


@dataclass(frozen=True)
class ServiceAllocation:
    """One row of the resource table: avoidable admissions a route must absorb."""

    route: ResourceRoute
    usually: int
    sometimes: int


@dataclass(frozen=True)
class StatedFigure:
    """A seed figure no consistent arithmetic reproduces, carried as printed, with the reason."""

    year: str
    locality: Locality | None  # None: the Total row
    measure: Table1Measure
    value: int
    why: str


SEED_PLAN_YEARS = (
    PlanYear("2019/20", Decimal(10), Decimal(20)),
    PlanYear("2020/21", Decimal(20), Decimal(24)),
    PlanYear("2021/22", Decimal(24), Decimal(28)),
)
SEED_AGED_65_PLUS = {Locality.NORTH: 23_190, Locality.CENTRAL: 22_135, Locality.SOUTH: 27_962}
SEED_AGED_65_PLUS_WITH_LTC = {
    Locality.NORTH: 19_233,
    Locality.CENTRAL: 17_442,
    Locality.SOUTH: 22_034,
}
# Not printed in the seed. Back-solved: the only integers whose 10/20/24% round to every printed
# target are North 2,861-2,862 and Central 3,019-3,022; South's 2020/21 and 2021/22 targets
# (598, 718) need 2,990-2,992. We take the smallest round-looking value in each range.
SEED_NEL_1_TO_3_LTC_BY_LOCALITY = {
    Locality.NORTH: 2_861,
    Locality.CENTRAL: 3_020,
    Locality.SOUTH: 2_990,
}
SEED_TABLE_1_STATED = (
    StatedFigure(
        "2019/20",
        Locality.SOUTH,
        Table1Measure.TARGET,
        298,
        "South's 2020/21 and 2021/22 targets (598, 718) need a benchmark of 2,990-2,992, whose "
        "10% is 299 (case management 1,495); no single benchmark gives 298, 598 and 718. The seed "
        "prints 298, and its 1,490 case management and 886 total follow from 298.",
    ),
    StatedFigure(
        "2020/21",
        None,
        Table1Measure.TARGET,
        1_772,
        "The localities' printed targets sum to 572 + 604 + 598 = 1,774; the seed prints 1,772 "
        "(twice 2019/20's 886), while its other totals are the sums of the rows.",
    ),
)
SEED_NEL_BY_AVOIDABILITY = {"unavoidable": 9_508, "sometimes": 2_085, "usually": 2_963}
SEED_NEL_BY_LTC_COUNT = {1: 3_481, 2: 3_299, 3: 2_207}
SEED_LTC_TARGET_PERCENT = {1: Decimal(45), 3: Decimal(15)}
SEED_SERVICE_ALLOCATION = (
    ServiceAllocation(ResourceRoute.HOSPITAL_AT_HOME, 1_093, 48),
    ServiceAllocation(ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS, 1_796, 1_215),
    ServiceAllocation(ResourceRoute.HOSPITAL_AT_HOME_OR_CRISIS_OR_ADMISSION, 0, 464),
    ServiceAllocation(ResourceRoute.CRISIS, 72, 0),
    ServiceAllocation(ResourceRoute.CRISIS_OR_ADMISSION, 0, 358),
)


@dataclass(frozen=True)
class ModellingInputs:
    """Everything the programme tables are computed from; defaults are the seed's figures."""

    aged_65_plus: Mapping[Locality, int] = field(default_factory=lambda: dict(SEED_AGED_65_PLUS))
    aged_65_plus_with_ltc: Mapping[Locality, int] = field(
        default_factory=lambda: dict(SEED_AGED_65_PLUS_WITH_LTC)
    )
    nel_1_to_3_ltc_by_locality: Mapping[Locality, int] = field(
        default_factory=lambda: dict(SEED_NEL_1_TO_3_LTC_BY_LOCALITY)
    )
    plan_years: tuple[PlanYear, ...] = SEED_PLAN_YEARS
    table_1_stated: tuple[StatedFigure, ...] = SEED_TABLE_1_STATED
    nel_unavoidable: int = SEED_NEL_BY_AVOIDABILITY["unavoidable"]
    nel_sometimes_avoidable: int = SEED_NEL_BY_AVOIDABILITY["sometimes"]
    nel_usually_avoidable: int = SEED_NEL_BY_AVOIDABILITY["usually"]
    # None: usually-avoidable admissions to the nearest hundred (2,963 -> the seed's "circa 3,000").
    target_admission_avoidance: int | None = None
    nel_by_ltc_count: Mapping[int, int] = field(default_factory=lambda: dict(SEED_NEL_BY_LTC_COUNT))
    # LTC counts without a stated percentage take the overall required one (33.4% for 2 LTCs).
    ltc_target_percent: Mapping[int, Decimal] = field(
        default_factory=lambda: dict(SEED_LTC_TARGET_PERCENT)
    )
    aged_65_plus_per_1000_registered: int = 240
    percent_of_them_with_1_to_3_ltc: Decimal = Decimal(50)
    service_allocation: tuple[ServiceAllocation, ...] = SEED_SERVICE_ALLOCATION
    # Share of the "Hospital at Home or Crisis Response" usually-avoidable row given to Hospital at
    # Home; None: the 1-LTC target percentage (45%), as the seed assumes.
    hospital_at_home_share_of_either_percent: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("aged_65_plus", "aged_65_plus_with_ltc", "nel_1_to_3_ltc_by_locality"):
            counts: Mapping[Locality, int] = getattr(self, name)
            if set(counts) != set(Locality):
                raise InvalidModellingInputs(f"{name} must give a count for every locality")
            if any(n < 0 for n in counts.values()):
                raise InvalidModellingInputs(f"{name} must not be negative")
        if sum(self.aged_65_plus.values()) == 0:
            raise InvalidModellingInputs("the 65+ population must not be empty")
        if min(self.nel_unavoidable, self.nel_sometimes_avoidable, self.nel_usually_avoidable) < 0:
            raise InvalidModellingInputs("admission counts must not be negative")
        if self.nel_total == 0:
            raise InvalidModellingInputs("there must be at least one NEL admission")
        if not self.nel_by_ltc_count or sum(self.nel_by_ltc_count.values()) == 0:
            raise InvalidModellingInputs("NEL admissions by LTC count must not be empty")
        for year in self.plan_years:
            if not (0 < year.nel_avoidance_percent <= 100):
                raise InvalidModellingInputs(f"{year.label}: NEL avoidance must be in (0, 100]")
            if not (0 < year.case_management_avoidance_percent <= 100):
                raise InvalidModellingInputs(f"{year.label}: case management avoidance in (0, 100]")
        percents = [*self.ltc_target_percent.values(), self.percent_of_them_with_1_to_3_ltc]
        if self.hospital_at_home_share_of_either_percent is not None:
            percents.append(self.hospital_at_home_share_of_either_percent)
        if any(not (0 <= p <= 100) for p in percents):
            raise InvalidModellingInputs("percentages must lie in [0, 100]")

    @property
    def nel_total(self) -> int:
        """All 65+ NEL admissions of the period (14,556 in the seed)."""
        return self.nel_unavoidable + self.nel_sometimes_avoidable + self.nel_usually_avoidable

    @classmethod
    def from_counts(
        cls,
        *,
        aged_65_plus: Mapping[Locality, int],
        aged_65_plus_with_ltc: Mapping[Locality, int] | int,
        nel_by_ltc_count: Mapping[int, int],
        nel_unavoidable: int,
        nel_sometimes_avoidable: int,
        nel_usually_avoidable: int,
        nel_1_to_3_ltc_by_locality: Mapping[Locality, int] | None = None,
        service_allocation: tuple[ServiceAllocation, ...] | None = None,
    ) -> ModellingInputs:
        """A population's own figures run through the seed's method (its percentages kept).

        A county-wide count (65+ with an LTC, NEL admissions with 1-3 LTCs) is split across the
        localities in proportion to their 65+ when no per-locality figure is given.
        """
        if isinstance(aged_65_plus_with_ltc, int):
            aged_65_plus_with_ltc = _split_by_weight(aged_65_plus_with_ltc, aged_65_plus)
        in_scope = sum(n for k, n in nel_by_ltc_count.items() if 1 <= k <= 3)
        by_locality = nel_1_to_3_ltc_by_locality or _split_by_weight(in_scope, aged_65_plus)
        allocation = service_allocation or scale_allocation(
            SEED_SERVICE_ALLOCATION,
            usually=nel_usually_avoidable,
            sometimes=nel_sometimes_avoidable,
        )
        return cls(
            aged_65_plus=dict(aged_65_plus),
            aged_65_plus_with_ltc=dict(aged_65_plus_with_ltc),
            nel_1_to_3_ltc_by_locality=dict(by_locality),
            table_1_stated=(),
            nel_unavoidable=nel_unavoidable,
            nel_sometimes_avoidable=nel_sometimes_avoidable,
            nel_usually_avoidable=nel_usually_avoidable,
            nel_by_ltc_count={k: n for k, n in nel_by_ltc_count.items() if 1 <= k <= 3},
            service_allocation=allocation,
        )


def scale_allocation(
    rows: tuple[ServiceAllocation, ...], *, usually: int, sometimes: int
) -> tuple[ServiceAllocation, ...]:
    """The seed's clinical split of avoidable admissions by route, scaled to other counts."""
    usually_split = _largest_remainder(usually, [r.usually for r in rows])
    sometimes_split = _largest_remainder(sometimes, [r.sometimes for r in rows])
    return tuple(
        ServiceAllocation(r.route, u, s)
        for r, u, s in zip(rows, usually_split, sometimes_split, strict=True)
    )


def _split_by_weight(total: int, weights: Mapping[Locality, int]) -> dict[Locality, int]:
    """Whole counts per locality in proportion to the weights, summing to total."""
    order = list(Locality)
    return dict(zip(order, _largest_remainder(total, [weights[k] for k in order]), strict=True))


def _largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Hamilton apportionment: whole numbers proportional to weights that sum exactly to total."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    floors = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(floors)]:
        floors[i] += 1
    return floors
