"""The seed's modelled case management numbers per locality, which commissioners compare against.

Source: Shropshire CCG "Care Closer to Home" programme report, Appendix A
(/work/shared/seeds/000_0957dfea3f3b4964.txt):
- Table 1, "Case Management numbers" per locality for 2019/20 (assuming 20% NEL admission
  avoidance), 2020/21 (24%) and 2021/22 (28%);
- "Numbers for case management based upon projected volume of people with 1-3 LTC's":
  North 31.6% 2,782, Central 30.2% 2,656, South 38.2% 3,355, total 8,793 (the figure carried
  into the 3,000 admission-avoidance model).
"""

from __future__ import annotations

from enum import StrEnum

from caseload.domain.vocabulary import Locality


class ModelledBasis(StrEnum):
    """Which of the seed's modelled figures a report compares against."""

    PROJECTED_1_TO_3_LTC = "projected-1-3-ltc"
    FY2019_20 = "2019/20"
    FY2020_21 = "2020/21"
    FY2021_22 = "2021/22"


# Appendix A, "Numbers for case management based upon projected volume of people with 1-3 LTC's".
PROJECTED_CASE_MANAGEMENT: dict[Locality, int] = {
    Locality.NORTH: 2782,
    Locality.CENTRAL: 2656,
    Locality.SOUTH: 3355,
}
PROJECTED_CASE_MANAGEMENT_TOTAL = 8793

# Appendix A, Table 1, "Case Management numbers" per financial year.
TABLE_1_CASE_MANAGEMENT: dict[ModelledBasis, dict[Locality, int]] = {
    ModelledBasis.FY2019_20: {Locality.NORTH: 1430, Locality.CENTRAL: 1510, Locality.SOUTH: 1490},
    ModelledBasis.FY2020_21: {Locality.NORTH: 2383, Locality.CENTRAL: 2517, Locality.SOUTH: 2492},
    ModelledBasis.FY2021_22: {Locality.NORTH: 2454, Locality.CENTRAL: 2589, Locality.SOUTH: 2564},
}
# Table 1 totals row, kept to check the per-locality figures were carried correctly.
TABLE_1_TOTALS: dict[ModelledBasis, int] = {
    ModelledBasis.FY2019_20: 4430,
    ModelledBasis.FY2020_21: 7392,
    ModelledBasis.FY2021_22: 7607,
}


def modelled_case_management(basis: ModelledBasis) -> dict[Locality, int]:
    """Modelled case management numbers per locality on one basis."""
    if basis is ModelledBasis.PROJECTED_1_TO_3_LTC:
        return dict(PROJECTED_CASE_MANAGEMENT)
    return dict(TABLE_1_CASE_MANAGEMENT[basis])
