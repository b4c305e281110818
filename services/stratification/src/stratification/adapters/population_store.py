"""Loads a population into Postgres with COPY, all or nothing."""

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import asyncpg
import numpy as np

from stratification.domain.patient_activity import EventKind
from stratification.domain.population import SyntheticPopulation
from stratification.domain.population.exports import dotted
from stratification.domain.population.localities import Locality

_SEX = {1: "male", 2: "female"}
_CHUNK = 100_000


def _practice_records(pop: SyntheticPopulation) -> list[tuple[Any, ...]]:
    gaz = pop.gazetteer
    records = []
    for i, code in enumerate(pop.practices.code):
        pc = int(pop.practices.postcode_index[i])
        records.append(
            (
                code,
                Locality.from_code(int(pop.practices.locality[i])).value,
                str(gaz.postcode[pc]),
                int(gaz.easting[pc]),
                int(gaz.northing[pc]),
            )
        )
    return records


def _patient_records(pop: SyntheticPopulation) -> Iterator[tuple[Any, ...]]:
    codes = pop.practice_codes()
    postcodes = pop.gazetteer.postcode[pop.postcode_index]
    easting = pop.easting.astype(np.int64)
    northing = pop.northing.astype(np.int64)
    births = pop.birth_date.astype("datetime64[D]").astype(object)
    for i in range(pop.size):
        yield (
            i + 1,
            str(pop.nhs_number[i]),
            _SEX[int(pop.sex[i])],
            births[i],
            str(codes[i]),
            str(postcodes[i]),
            int(easting[i]),
            int(northing[i]),
        )


def _activity_records(pop: SyntheticPopulation) -> Iterator[tuple[Any, ...]]:
    events = pop.events
    codes = [dotted(c) for c in events.codes]
    labels = {k.value: k.label for k in EventKind}
    offsets = events.secondary_offsets
    flat: list[int] = events.secondary.tolist()
    for start in range(0, len(events), _CHUNK):
        stop = min(start + _CHUNK, len(events))
        person = events.person[start:stop]
        days: list[date] = events.date[start:stop].astype("datetime64[D]").astype(object).tolist()
        kinds = events.kind[start:stop].tolist()
        primary = events.primary[start:stop].tolist()
        lo = offsets[start:stop].tolist()
        hi = offsets[start + 1 : stop + 1].tolist()
        for j in range(stop - start):
            yield (
                int(person[j]) + 1,
                days[j],
                labels[kinds[j]],
                codes[primary[j]],
                [codes[c] for c in flat[lo[j] : hi[j]]],
            )


async def load_synthetic(
    dsn: str,
    pop: SyntheticPopulation,
    *,
    seed: int,
    progress: Callable[[str], None] = print,
) -> bool:
    """Replace nothing: load only into an empty store. Returns False if data is already there."""
    conn = await asyncpg.connect(dsn)
    try:
        existing = await conn.fetchrow(
            "SELECT source, seed, size FROM population_load ORDER BY id DESC LIMIT 1"
        )
        if existing is not None:
            progress(
                f"stratification: population already loaded ({existing['source']}, "
                f"{existing['size']:,} people); skipping"
            )
            return False
        started = time.monotonic()
        async with conn.transaction():
            await conn.copy_records_to_table(
                "practice",
                records=_practice_records(pop),
                columns=["code", "locality", "postcode", "easting", "northing"],
            )
            await conn.copy_records_to_table(
                "patient",
                records=_patient_records(pop),
                columns=[
                    "id",
                    "nhs_number",
                    "sex",
                    "birth_date",
                    "practice_code",
                    "postcode",
                    "easting",
                    "northing",
                ],
            )
            progress(f"stratification: {pop.size:,} patients loaded; loading activity ...")
            await conn.copy_records_to_table(
                "activity",
                records=_activity_records(pop),
                columns=["patient_id", "occurred_on", "kind", "icd10_primary", "icd10_secondary"],
            )
            await conn.execute(
                "INSERT INTO population_load (source, seed, size, patients, activity_rows) "
                "VALUES ('synthetic', $1, $2, $2, $3)",
                seed,
                pop.size,
                len(pop.events),
            )
        await conn.execute("ANALYZE patient; ANALYZE activity")
        progress(
            f"stratification: synthetic county loaded: {pop.size:,} people, "
            f"{len(pop.events):,} activity rows in {time.monotonic() - started:.0f}s"
        )
        return True
    finally:
        await conn.close()
