"""The programme modelling tables as computed: one dataclass per seed table and its rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stratification.domain.population.localities import Locality
from stratification.domain.programme_inputs import ResourceRoute


@dataclass(frozen=True)
class Discrepancy:
    """A printed figure carried as stated because the seed's own arithmetic gives another."""

    table: str
    cell: str
    derived: int
    stated: int
    why: str


@dataclass(frozen=True)
class YearFigures:
    """Table 1's pair of columns for one plan year."""

    case_management: int
    target: int


@dataclass(frozen=True)
class Table1Row:
    """One locality (or the Total, locality None) of Appendix A Table 1."""

    locality: Locality | None
    aged_65_plus: int
    aged_65_plus_with_ltc: int
    years: dict[str, YearFigures]


@dataclass(frozen=True)
class AppendixATable1:
    """Case management numbers and NEL admission avoidance targets by locality and year."""

    rows: tuple[Table1Row, ...]
    total: Table1Row


@dataclass(frozen=True)
class AvoidabilitySummary:
    """65+ NEL admissions by avoidability, and the target as a share of them."""

    total: int
    unavoidable: int
    sometimes_avoidable: int
    usually_avoidable: int
    target: int
    target_percent_of_total: Decimal


@dataclass(frozen=True)
class LtcTargetRow:
    """Admissions and avoidance target for people with one number of LTCs."""

    ltc_count: int
    nel_admissions: int
    target_percent: Decimal
    admission_avoidance: int


@dataclass(frozen=True)
class LtcTargetTable:
    """65+ NEL admissions with 1-3 LTCs and where the target is expected to be found."""

    rows: tuple[LtcTargetRow, ...]
    nel_admissions: int
    required_percent: Decimal
    admission_avoidance: int


@dataclass(frozen=True)
class CaseManagementRow:
    """Projected people with 1-3 LTCs for case management in one locality."""

    locality: Locality | None
    population_percent: Decimal
    numbers: int


@dataclass(frozen=True)
class CaseManagementTable:
    """Numbers for case management per locality and for the county."""

    rows: tuple[CaseManagementRow, ...]
    total: CaseManagementRow


@dataclass(frozen=True)
class ResourceRow:
    """Avoidable admissions a service route must absorb."""

    route: ResourceRoute | None
    usually: int
    sometimes: int

    @property
    def total(self) -> int:
        """Both avoidability classes together."""
        return self.usually + self.sometimes


@dataclass(frozen=True)
class ResourceTable:
    """Avoidable admissions by community resource; the Total row is the classification."""

    rows: tuple[ResourceRow, ...]
    total: ResourceRow
    unallocated_usually: int
    unallocated_sometimes: int


@dataclass(frozen=True)
class ServiceSplit:
    """How the usually-avoidable target divides between Hospital at Home and crisis response."""

    hospital_at_home_share_of_either: int
    hospital_at_home_usually: int
    crisis_response_usually: int
    hospital_at_home_percent: Decimal
    crisis_response_percent: Decimal


@dataclass(frozen=True)
class OverviewRow:
    """One locality's share of the target and of the services that deliver it."""

    locality: Locality | None
    population_percent: Decimal
    case_management: int
    target: int
    hospital_at_home: int
    crisis_response: int


@dataclass(frozen=True)
class OverviewTable:
    """Projected model for achieving the target admission avoidance per year."""

    rows: tuple[OverviewRow, ...]
    total: OverviewRow


@dataclass(frozen=True)
class ProgrammeModel:
    """Every modelling table of the seed, computed from one set of inputs."""

    appendix_a_table_1: AppendixATable1
    avoidability: AvoidabilitySummary
    ltc_targets: LtcTargetTable
    case_management: CaseManagementTable
    resources: ResourceTable
    service_split: ServiceSplit
    overview: OverviewTable
    discrepancies: tuple[Discrepancy, ...]
