"""The small synthetic county most integration tests load (loaded once; later loads skip)."""

import pytest

from stratification.adapters.population_store import load_synthetic
from stratification.domain.population import SyntheticPopulation, generate_population


@pytest.fixture(scope="session")
async def county(infra) -> SyntheticPopulation:
    population = generate_population(size=6_000, seed=7)
    await load_synthetic(
        infra.service_url("stratification"), population, seed=7, progress=lambda _: None
    )
    return population
