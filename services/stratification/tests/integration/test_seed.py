"""`make run` warm starts: the seed command must not regenerate a county that is already loaded."""

import asyncio
import os
import subprocess
import sys
import time

import asyncpg
import pytest

from stratification.adapters.population_store import load_synthetic
from stratification.config import Settings
from stratification.domain.population import generate_population
from stratification.entrypoints import seed

pytestmark = pytest.mark.integration


async def _patients(infra) -> int:
    conn = await asyncpg.connect(infra.service_url("stratification"))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM patient"))
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def loaded(infra):
    population = generate_population(size=6_000, seed=7)
    await load_synthetic(
        infra.service_url("stratification"), population, seed=7, progress=lambda _: None
    )
    return population


async def test_seed_on_a_loaded_store_skips_without_generating(infra, loaded, monkeypatch):
    def must_not_generate(**_):
        raise AssertionError("the county was generated although one is loaded")

    monkeypatch.setattr(seed, "generate_population", must_not_generate)
    before = await _patients(infra)
    said: list[str] = []
    env = infra.service_env("stratification")
    monkeypatch.setattr(os, "environ", {**os.environ, **env})
    code = await asyncio.to_thread(seed.seed_population, Settings(), 310_000, progress=said.append)
    assert code == 0
    assert any("already loaded" in line for line in said), said
    assert await _patients(infra) == before


async def test_seed_command_warm_start_takes_seconds_not_a_county_generation(infra, loaded):
    env = {**os.environ, **infra.service_env("stratification")}
    started = time.monotonic()
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "stratification", "seed", "--population", "1000000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "already loaded" in done.stdout
    assert "generating" not in done.stdout
    # generating a million people takes well over a minute; a warm start is an import and a query
    assert elapsed < 20, elapsed
