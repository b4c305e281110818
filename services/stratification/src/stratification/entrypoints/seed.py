"""`cch-stratification seed`: the synthetic county `make run` starts with."""

import asyncio
import time
from collections.abc import Callable

from cch_servicekit import ServiceSettings
from stratification.adapters.population_store import load_synthetic, loaded_population
from stratification.domain.population import DEFAULT_SEED, generate_population


def seed_population(
    settings: ServiceSettings, size: int, *, progress: Callable[[str], None] = print
) -> int:
    """Warm starts cost one query: the county is generated only when none is loaded yet."""
    if size <= 0:
        return 0
    dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    existing = asyncio.run(loaded_population(dsn))
    if existing is not None:
        progress(
            f"stratification: population already loaded ({existing.source}, "
            f"{existing.size:,} people); skipping"
        )
        return 0
    started = time.monotonic()
    progress(f"stratification: generating a synthetic county of {size:,} people ...")
    population = generate_population(size=size, seed=DEFAULT_SEED)
    progress(
        f"stratification: generated {len(population.events):,} activity rows in "
        f"{time.monotonic() - started:.0f}s"
    )
    asyncio.run(load_synthetic(dsn, population, seed=DEFAULT_SEED, progress=progress))
    return 0
