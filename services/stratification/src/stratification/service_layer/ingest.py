"""Bulk ingest of registry and activity: every row validated, the batch stored all or nothing."""

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import date

import asyncpg

from stratification.domain.ingest_validation import (
    IngestBatchRejected,
    RowError,
    accept_activity_batch,
    accept_registry_batch,
)
from stratification.domain.population.exports import dotted

_LOCK = 7_210_001  # one ingest at a time: patient ids are assigned in order


def parse_rows(body: bytes, *, content_type: str) -> Iterator[Mapping[str, str | None]]:
    """CSV (header row first) or NDJSON (one JSON object per line)."""
    text = body.decode("utf-8-sig")
    if "ndjson" in content_type or "jsonl" in content_type:
        for line, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError:
                raise IngestBatchRejected(
                    [RowError(line, "(row)", raw[:80], "not valid JSON")]
                ) from None
            if not isinstance(row, dict):
                raise IngestBatchRejected([RowError(line, "(row)", raw[:80], "not a JSON object")])
            yield {str(k): None if v is None else str(v) for k, v in row.items()}
    else:
        yield from csv.DictReader(io.StringIO(text))


async def ingest_registry(
    conn: asyncpg.Connection, body: bytes, *, content_type: str, today: date
) -> dict[str, int]:
    first_line = 1 if "json" in content_type else 2
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        practices = {r["code"] for r in await conn.fetch("SELECT code FROM practice")}
        records = accept_registry_batch(
            parse_rows(body, content_type=content_type),
            known_practices=practices,
            today=today,
            first_line=first_line,
        )
        existing = dict(
            await conn.fetch(
                "SELECT nhs_number, id FROM patient WHERE nhs_number = ANY($1::text[])",
                [r.nhs_number for r in records],
            )
        )
        next_id = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM patient")) + 1
        rows = []
        for r in records:
            pid = existing.get(r.nhs_number)
            if pid is None:
                pid, next_id = next_id, next_id + 1
            rows.append(
                (
                    pid,
                    r.nhs_number,
                    r.sex,
                    r.birth_date,
                    r.practice_code,
                    r.postcode,
                    None if r.easting is None else int(r.easting),
                    None if r.northing is None else int(r.northing),
                )
            )
        await conn.executemany(
            "INSERT INTO patient (id, nhs_number, sex, birth_date, practice_code, postcode, "
            "easting, northing) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (nhs_number) DO UPDATE "
            "SET sex = EXCLUDED.sex, birth_date = EXCLUDED.birth_date, "
            "practice_code = EXCLUDED.practice_code, postcode = EXCLUDED.postcode, "
            "easting = EXCLUDED.easting, northing = EXCLUDED.northing",
            rows,
        )
    return {
        "rows": len(records),
        "new_patients": len(records) - len(existing),
        "updated_patients": len(existing),
    }


async def ingest_activity(
    conn: asyncpg.Connection, body: bytes, *, content_type: str, today: date
) -> dict[str, int]:
    first_line = 1 if "json" in content_type else 2
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        practices = {r["code"] for r in await conn.fetch("SELECT code FROM practice")}
        rows = list(parse_rows(body, content_type=content_type))
        records = accept_activity_batch(
            rows, known_practices=practices, today=today, first_line=first_line
        )
        ids = dict(
            await conn.fetch(
                "SELECT nhs_number, id FROM patient WHERE nhs_number = ANY($1::text[])",
                list({r.nhs_number for r in records}),
            )
        )
        unknown = [
            RowError(first_line + i, "nhs_number", r.nhs_number, "not on the registry")
            for i, r in enumerate(records)
            if r.nhs_number not in ids
        ]
        if unknown:
            raise IngestBatchRejected(unknown)
        await conn.copy_records_to_table(
            "activity",
            records=[
                (
                    ids[r.nhs_number],
                    r.date,
                    r.kind.label,
                    dotted(r.icd10_primary),
                    [dotted(c) for c in r.icd10_secondary],
                )
                for r in records
            ],
            columns=["patient_id", "occurred_on", "kind", "icd10_primary", "icd10_secondary"],
        )
    return {"rows": len(records), "patients": len(ids)}
