"""Frailty and comorbidity indices computed over the whole population's event arrays at once."""

from .charlson import CHARLSON_CATEGORIES, QUAN_CHARLSON, charlson_age_points, charlson_score
from .hospital_frailty import HFRS_WEIGHTS, FrailtyBand, frailty_band
from .index_table import IndexTable, compute_indices
from .long_term_conditions import LONG_TERM_CONDITIONS, LTC_GROUPS

__all__ = [
    "CHARLSON_CATEGORIES",
    "HFRS_WEIGHTS",
    "LONG_TERM_CONDITIONS",
    "LTC_GROUPS",
    "QUAN_CHARLSON",
    "FrailtyBand",
    "IndexTable",
    "charlson_age_points",
    "charlson_score",
    "compute_indices",
    "frailty_band",
]
