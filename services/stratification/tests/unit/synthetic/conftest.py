"""Generated populations shared by the synthetic-data tests (each built once per session)."""

from __future__ import annotations

import pytest

from stratification.domain.population import SyntheticPopulation, generate_population

SMALL_SIZE = 5_000


@pytest.fixture(scope="session")
def small_population() -> SyntheticPopulation:
    return generate_population(size=SMALL_SIZE, seed=7)


@pytest.fixture(scope="session")
def county_population() -> SyntheticPopulation:
    """The default Shropshire-sized county, seed 20180815."""
    return generate_population()
