"""`cch-stratification seed`: the synthetic county `make run` starts with."""

import asyncio
import time

from cch_servicekit import ServiceSettings
from stratification.adapters.population_store import load_synthetic
from stratification.domain.population import DEFAULT_SEED, generate_population


def seed_population(settings: ServiceSettings, size: int) -> int:
    if size <= 0:
        return 0
    started = time.monotonic()
    print(f"stratification: generating a synthetic county of {size:,} people ...", flush=True)
    population = generate_population(size=size, seed=DEFAULT_SEED)
    print(
        f"stratification: generated {len(population.events):,} activity rows in "
        f"{time.monotonic() - started:.0f}s",
        flush=True,
    )
    dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    asyncio.run(load_synthetic(dsn, population, seed=DEFAULT_SEED))
    return 0
