"""Reads the stored population back into column arrays (COPY out, parsed in bulk)."""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

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


async def _copy(conn: asyncpg.Connection, query: str, dtype: Any = str) -> pd.DataFrame:
    buffer = io.BytesIO()
    await conn.copy_from_query(query, output=buffer, format="csv", header=True)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=dtype, keep_default_na=False)


_KIND_CASE = "CASE kind " + " ".join(f"WHEN '{k.label}' THEN {k.value}" for k in EventKind) + " END"
_EPOCH = "DATE '1970-01-01'"


def _vocabulary(codes: npt.NDArray[np.object_]) -> tuple[tuple[str, ...], npt.NDArray[np.int32]]:
    """Sorted code list and each occurrence's index in it (hashing, not sorting, the rows)."""
    ids, uniques = pd.factorize(codes, sort=True)
    return tuple(str(c) for c in uniques), ids.astype(np.int32)


async def read_population(conn: asyncpg.Connection) -> StoredPopulation:
    """One consistent snapshot; the database does the text work (dots, kinds, day numbers)."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        patients = await _copy(
            conn,
            f"SELECT p.id, p.nhs_number, p.sex, p.birth_date - {_EPOCH} AS birth_day, "
            "p.practice_code, pr.locality FROM patient p "
            "JOIN practice pr ON pr.code = p.practice_code ORDER BY p.id",
            dtype={
                "id": np.int64,
                "birth_day": np.int64,
                "nhs_number": str,
                "sex": str,
                "practice_code": str,
                "locality": str,
            },
        )
        activity = await _copy(
            conn,
            f"SELECT patient_id, occurred_on - {_EPOCH} AS day, {_KIND_CASE} AS kind, "
            "replace(icd10_primary, '.', '') AS code, cardinality(icd10_secondary) AS n "
            "FROM activity ORDER BY id",
            dtype={
                "patient_id": np.int64,
                "day": np.int64,
                "kind": np.int8,
                "code": str,
                "n": np.int64,
            },
        )
        secondary = await _copy(
            conn,
            "SELECT replace(s.code, '.', '') AS code FROM activity a, "
            "unnest(a.icd10_secondary) WITH ORDINALITY AS s(code, n) "
            "WHERE cardinality(a.icd10_secondary) > 0 ORDER BY a.id, s.n",
        )
    ids = patients["id"].to_numpy()
    position = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, dtype=np.int64)
    position[ids] = np.arange(len(ids))
    person = position[activity["patient_id"].to_numpy()].astype(np.int32)
    n = len(activity)
    codes, inverse = _vocabulary(
        np.concatenate(
            [activity["code"].to_numpy(dtype=object), secondary["code"].to_numpy(dtype=object)]
        )
    )
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(activity["n"].to_numpy(), out=offsets[1:])
    days = activity["day"].to_numpy().astype("datetime64[D]")
    events = EventTable(
        n_people=len(ids),
        person=person,
        date=days,
        kind=activity["kind"].to_numpy(),
        primary=inverse[:n],
        secondary_offsets=offsets,
        secondary=inverse[n:],
        codes=codes,
    )
    last = days.max().astype(object) if n else None
    return StoredPopulation(
        patient_id=ids,
        nhs_number=patients["nhs_number"].to_numpy(dtype=str),
        male=(patients["sex"] == "male").to_numpy(),
        birth_date=patients["birth_day"].to_numpy().astype("datetime64[D]"),
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
