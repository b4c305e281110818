"""Loads a population into Postgres with COPY, all or nothing."""

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt

from stratification.domain.patient_activity import EventKind
from stratification.domain.population import SyntheticPopulation
from stratification.domain.population.exports import dotted
from stratification.domain.population.localities import Locality

_SEX = {1: "male", 2: "female"}
_CHUNK = 1_000_000
_ACTIVITY_COLUMNS = ["patient_id", "occurred_on", "kind", "icd10_primary", "icd10_secondary"]


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


def _csv(columns: list[list[str]]) -> io.BytesIO:
    """Columns of CSV-safe text as COPY input; the joins run in C, not a Python loop per row."""
    return io.BytesIO(("\n".join(map(",".join, zip(*columns, strict=True))) + "\n").encode())


def _text(values: npt.NDArray[Any]) -> list[str]:
    """Text of each value, converting each distinct value once (days, codes, practices repeat)."""
    uniques, inverse = np.unique(values, return_inverse=True)
    text: list[str] = np.asarray(uniques.astype(str), dtype=object)[inverse].tolist()
    return text


def _patient_csv(pop: SyntheticPopulation) -> io.BytesIO:
    return _csv(
        [
            np.arange(1, pop.size + 1).astype(str).tolist(),
            pop.nhs_number.astype(str).tolist(),
            np.where(pop.sex == 1, _SEX[1], _SEX[2]).tolist(),
            _text(pop.birth_date.astype("datetime64[D]")),
            _text(pop.practice_codes()),
            _text(pop.gazetteer.postcode[pop.postcode_index]),
            pop.easting.astype(np.int64).astype(str).tolist(),
            pop.northing.astype(np.int64).astype(str).tolist(),
        ]
    )


def _activity_csv(pop: SyntheticPopulation, start: int, stop: int) -> io.BytesIO:
    """One chunk of events; only the few rows with secondary diagnoses need a Python join."""
    events = pop.events
    codes = np.array([dotted(c) for c in events.codes], dtype=object)
    labels = np.array([k.label for k in sorted(EventKind)], dtype=object)
    offsets = events.secondary_offsets[start : stop + 1]
    secondary = np.full(stop - start, "{}", dtype=object)
    for j in np.flatnonzero(np.diff(offsets)):
        listed = ",".join(codes[events.secondary[offsets[j] : offsets[j + 1]]])
        secondary[j] = f'"{{{listed}}}"'
    return _csv(
        [
            (events.person[start:stop].astype(np.int64) + 1).astype(str).tolist(),
            _text(events.date[start:stop].astype("datetime64[D]")),
            labels[events.kind[start:stop]].tolist(),
            codes[events.primary[start:stop]].tolist(),
            secondary.tolist(),
        ]
    )


@dataclass(frozen=True)
class LoadedPopulation:
    """What a previous load left behind; a seed run skips when one exists."""

    source: str
    seed: int | None
    size: int


async def _loaded(conn: asyncpg.Connection) -> LoadedPopulation | None:
    row = await conn.fetchrow(
        "SELECT source, seed, size FROM population_load ORDER BY id DESC LIMIT 1"
    )
    if row is None and await conn.fetchval("SELECT EXISTS (SELECT 1 FROM patient)"):
        return LoadedPopulation(
            "ingested", None, int(await conn.fetchval("SELECT count(*) FROM patient"))
        )
    return None if row is None else LoadedPopulation(row["source"], row["seed"], row["size"])


async def loaded_population(dsn: str) -> LoadedPopulation | None:
    """The population already in the store, if any (one indexed query, no generation)."""
    conn = await asyncpg.connect(dsn)
    try:
        return await _loaded(conn)
    finally:
        await conn.close()


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
        existing = await _loaded(conn)
        if existing is not None:
            progress(
                f"stratification: population already loaded ({existing.source}, "
                f"{existing.size:,} people); skipping"
            )
            return False
        started = time.monotonic()
        async with conn.transaction():
            # Populating an empty store: index and check once at the end, not once per row, and
            # truncate first so COPY may write the rows already frozen.
            await conn.execute(
                "ALTER TABLE activity DROP CONSTRAINT activity_patient_id_fkey; "
                "DROP INDEX ix_activity_patient; "
                "ALTER TABLE patient DROP CONSTRAINT patient_practice_code_fkey; "
                "DROP INDEX ix_patient_practice; "
                "TRUNCATE activity, patient"
            )
            await conn.copy_records_to_table(
                "practice",
                records=_practice_records(pop),
                columns=["code", "locality", "postcode", "easting", "northing"],
            )
            await conn.copy_to_table(
                "patient",
                source=_patient_csv(pop),
                format="csv",
                freeze=True,
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
            total = len(pop.events)
            for start in range(0, total, _CHUNK):
                stop = min(start + _CHUNK, total)
                await conn.copy_to_table(
                    "activity",
                    source=_activity_csv(pop, start, stop),
                    format="csv",
                    freeze=True,
                    columns=_ACTIVITY_COLUMNS,
                )
                progress(
                    f"stratification: activity {stop:,}/{total:,} rows "
                    f"({time.monotonic() - started:.0f}s)"
                )
            progress("stratification: indexing and checking references ...")
            await conn.execute(
                "CREATE INDEX ix_patient_practice ON patient (practice_code); "
                "ALTER TABLE patient ADD CONSTRAINT patient_practice_code_fkey "
                "FOREIGN KEY (practice_code) REFERENCES practice (code); "
                "CREATE INDEX ix_activity_patient ON activity (patient_id, occurred_on); "
                "ALTER TABLE activity ADD CONSTRAINT activity_patient_id_fkey "
                "FOREIGN KEY (patient_id) REFERENCES patient (id)"
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
