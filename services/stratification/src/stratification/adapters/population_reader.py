"""Reads the stored population back into column arrays (COPY out, parsed in bulk)."""

import io
from dataclasses import dataclass
from datetime import date

import asyncpg
import numpy as np
import numpy.typing as npt
import pandas as pd

from stratification.domain.patient_activity import EventKind, EventTable


@dataclass(frozen=True)
class StoredPopulation:
    patient_id: npt.NDArray[np.int64]
    nhs_number: npt.NDArray[np.str_]
    male: npt.NDArray[np.bool_]
    birth_date: npt.NDArray[np.datetime64]
    practice_code: npt.NDArray[np.str_]
    locality: npt.NDArray[np.str_]
    events: EventTable
    last_activity: date | None

    @property
    def size(self) -> int:
        return len(self.patient_id)


async def _copy(conn: asyncpg.Connection, query: str) -> pd.DataFrame:
    buffer = io.BytesIO()
    await conn.copy_from_query(query, output=buffer, format="csv", header=True)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=str, keep_default_na=False)


async def read_population(
    conn: asyncpg.Connection, *, practice: str | None = None
) -> StoredPopulation:
    patients = await _copy(
        conn,
        "SELECT p.id, p.nhs_number, p.sex, p.birth_date, p.practice_code, pr.locality "
        "FROM patient p JOIN practice pr ON pr.code = p.practice_code ORDER BY p.id",
    )
    activity = await _copy(
        conn,
        "SELECT patient_id, occurred_on, kind, icd10_primary, "
        "array_to_string(icd10_secondary, ';') AS secondary FROM activity ORDER BY id",
    )
    ids = patients["id"].astype(np.int64).to_numpy()
    position = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, dtype=np.int64)
    position[ids] = np.arange(len(ids))
    person = position[activity["patient_id"].astype(np.int64).to_numpy()].astype(np.int32)

    primary_codes = activity["icd10_primary"].str.replace(".", "", regex=False)
    secondary_lists = activity["secondary"].str.replace(".", "", regex=False).str.split(";")
    lengths = secondary_lists.map(lambda s: 0 if s == [""] else len(s)).to_numpy()
    flat = [c for s in secondary_lists if s != [""] for c in s]
    vocabulary, inverse = np.unique(
        np.concatenate([primary_codes.to_numpy(dtype=str), np.asarray(flat, dtype=str)]),
        return_inverse=True,
    )
    n = len(activity)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    kinds = activity["kind"].map({k.label: k.value for k in EventKind}).to_numpy(dtype=np.int8)
    days = pd.to_datetime(activity["occurred_on"]).to_numpy().astype("datetime64[D]")
    events = EventTable(
        n_people=len(ids),
        person=person,
        date=days,
        kind=kinds,
        primary=inverse[:n].astype(np.int32),
        secondary_offsets=offsets,
        secondary=inverse[n:].astype(np.int32),
        codes=tuple(str(c) for c in vocabulary),
    )
    last = days.max().astype(object) if n else None
    return StoredPopulation(
        patient_id=ids,
        nhs_number=patients["nhs_number"].to_numpy(dtype=str),
        male=(patients["sex"] == "male").to_numpy(),
        birth_date=pd.to_datetime(patients["birth_date"]).to_numpy().astype("datetime64[D]"),
        practice_code=patients["practice_code"].to_numpy(dtype=str),
        locality=patients["locality"].to_numpy(dtype=str),
        events=events,
        last_activity=last,
    )


async def snapshot_id(conn: asyncpg.Connection) -> str:
    """Identifies the data a run saw: changes whenever patients or activity change."""
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM patient) AS patients, "
        "(SELECT coalesce(max(id), 0) FROM activity) AS last_activity, "
        "(SELECT count(*) FROM activity) AS activity_rows"
    )
    return f"p{row['patients']}-a{row['last_activity']}-n{row['activity_rows']}"
