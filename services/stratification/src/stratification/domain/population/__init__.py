"""Synthetic Shropshire-shaped county population for development, demos, tests and benchmarks."""

from .baseline import NelBaseline, nel_baseline
from .exports import (
    ACTIVITY_COLUMNS,
    REGISTRY_COLUMNS,
    activity_rows,
    csv_lines,
    known_practice_codes,
    ndjson_lines,
    registry_rows,
)
from .financial_years import DEFAULT_FINANCIAL_YEARS, FinancialYear
from .gazetteer import PostcodeGazetteer, load_shropshire_postcodes
from .generator import DEFAULT_SEED, DEFAULT_SIZE, SyntheticPopulation, generate_population
from .localities import LOCALITY_SHARES, Locality

__all__ = [
    "ACTIVITY_COLUMNS",
    "DEFAULT_FINANCIAL_YEARS",
    "DEFAULT_SEED",
    "DEFAULT_SIZE",
    "LOCALITY_SHARES",
    "REGISTRY_COLUMNS",
    "FinancialYear",
    "Locality",
    "NelBaseline",
    "PostcodeGazetteer",
    "SyntheticPopulation",
    "activity_rows",
    "csv_lines",
    "generate_population",
    "known_practice_codes",
    "load_shropshire_postcodes",
    "ndjson_lines",
    "nel_baseline",
    "registry_rows",
]
