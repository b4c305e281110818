"""Bulk and FHIR ingest of registry and activity: every row validated, stored all or nothing."""

import asyncio
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import asyncpg

from cch_auth import Principal
from stratification.domain.fhir_bundle import BundleContents, BundleRejected, read_bundle
from stratification.domain.ingest_validation import (
    ActivityRecord,
    IngestBatchRejected,
    RegistryRecord,
    RowError,
    accept_activity_batch,
    accept_registry_batch,
)
from stratification.domain.population.exports import dotted
from stratification.service_layer.ingest_jobs import Progress

_LOCK = 7_210_001  # one ingest at a time: patient ids are assigned in order
_EVERY = 1_000


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


def _counted(rows: Iterable[Any], progress: Progress, attr: str) -> Iterator[Any]:
    """Pass rows through, advancing a progress counter every thousand rows."""
    n = 0
    for n, row in enumerate(rows, start=1):
        if n % _EVERY == 0:
            setattr(progress, attr, getattr(progress, attr) + _EVERY)
        yield row
    setattr(progress, attr, getattr(progress, attr) + n % _EVERY)


async def _audit(conn: asyncpg.Connection, principal: Principal, what: str, detail: str) -> None:
    """The load and its audit row commit together."""
    await conn.execute(
        "INSERT INTO access_audit (id, recorded_at, actor, actor_roles, organisation, action, "
        "interaction, resource_type, outcome, detail) VALUES (gen_random_uuid(), now(), $1, "
        "$2::jsonb, $3, 'C', 'create', $4, '0', $5)",
        principal.actor,
        json.dumps(sorted(principal.roles)),
        principal.organisation,
        what,
        detail,
    )


async def _known_practices(conn: asyncpg.Connection) -> set[str]:
    return {r["code"] for r in await conn.fetch("SELECT code FROM practice")}


async def _store_registry(
    conn: asyncpg.Connection, records: list[RegistryRecord], progress: Progress
) -> dict[str, int]:
    """Upsert by NHS number; new patients get the next ids in file order."""
    await conn.execute("TRUNCATE staged_patient")
    await conn.copy_records_to_table(
        "staged_patient",
        records=_counted(
            (
                (
                    i,
                    r.nhs_number,
                    r.sex,
                    r.birth_date,
                    r.practice_code,
                    r.postcode,
                    None if r.easting is None else int(r.easting),
                    None if r.northing is None else int(r.northing),
                )
                for i, r in enumerate(records)
            ),
            progress,
            "rows_loaded",
        ),
    )
    updated = await conn.execute(
        "UPDATE patient p SET sex = i.sex, birth_date = i.birth_date, "
        "practice_code = i.practice_code, postcode = i.postcode, easting = i.easting, "
        "northing = i.northing FROM staged_patient i WHERE p.nhs_number = i.nhs_number"
    )
    inserted = await conn.execute(
        "INSERT INTO patient (id, nhs_number, sex, birth_date, practice_code, postcode, easting, "
        "northing) SELECT (SELECT coalesce(max(id), 0) FROM patient) + row_number() OVER "
        "(ORDER BY i.ord), i.nhs_number, i.sex, i.birth_date, i.practice_code, i.postcode, "
        "i.easting, i.northing FROM staged_patient i "
        "WHERE NOT EXISTS (SELECT 1 FROM patient p WHERE p.nhs_number = i.nhs_number)"
    )
    await conn.execute("TRUNCATE staged_patient")
    return {"new_patients": int(inserted.split()[-1]), "updated_patients": int(updated.split()[-1])}


async def _store_activity(
    conn: asyncpg.Connection,
    records: list[ActivityRecord],
    *,
    lines: list[int],
    progress: Progress,
) -> dict[str, int]:
    """Refuse rows for unregistered patients and rows already stored, then append the rest."""
    ids = dict(
        await conn.fetch(
            "SELECT nhs_number, id FROM patient WHERE nhs_number = ANY($1::text[])",
            list({r.nhs_number for r in records}),
        )
    )
    unknown = [
        RowError(line, "nhs_number", r.nhs_number, "not on the registry")
        for line, r in zip(lines, records, strict=True)
        if r.nhs_number not in ids
    ]
    if unknown:
        raise IngestBatchRejected(unknown)
    await conn.execute("TRUNCATE staged_activity")
    await conn.copy_records_to_table(
        "staged_activity",
        records=_counted(
            (
                (
                    line,
                    r.nhs_number,
                    ids[r.nhs_number],
                    r.date,
                    r.kind.label,
                    dotted(r.icd10_primary),
                    [dotted(c) for c in r.icd10_secondary],
                )
                for line, r in zip(lines, records, strict=True)
            ),
            progress,
            "rows_loaded",
        ),
    )
    await conn.execute("ANALYZE staged_activity")
    stored = await conn.fetch(
        "SELECT i.line, i.nhs_number FROM staged_activity i JOIN activity a "
        "ON a.patient_id = i.patient_id AND a.occurred_on = i.occurred_on AND a.kind = i.kind "
        "AND a.icd10_primary = i.icd10_primary "
        "AND cardinality(a.icd10_secondary) = cardinality(i.icd10_secondary) "
        "AND a.icd10_secondary::text[] @> i.icd10_secondary "
        "AND a.icd10_secondary::text[] <@ i.icd10_secondary "
        "ORDER BY i.line"
    )
    if stored:
        raise IngestBatchRejected(
            [
                RowError(r["line"], "row", r["nhs_number"], "already stored (duplicate row)")
                for r in stored
            ]
        )
    await conn.execute(
        "INSERT INTO activity (patient_id, occurred_on, kind, icd10_primary, icd10_secondary) "
        "SELECT patient_id, occurred_on, kind, icd10_primary, icd10_secondary "
        "FROM staged_activity ORDER BY line"
    )
    await conn.execute("TRUNCATE staged_activity")
    return {"rows": len(records), "patients": len(ids)}


async def _validated(
    conn: asyncpg.Connection,
    body: bytes,
    *,
    content_type: str,
    today: date,
    progress: Progress,
    accept: Callable[..., list[Any]],
) -> tuple[list[Any], int]:
    """Inside the caller's transaction: take the ingest lock, then accept every row or raise with
    every bad one. Returns the records and the file line of the first."""
    first_line = 1 if "json" in content_type else 2
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
    practices = await _known_practices(conn)
    progress.state = "validating"
    records = await asyncio.to_thread(
        lambda: accept(
            _counted(parse_rows(body, content_type=content_type), progress, "rows_read"),
            known_practices=practices,
            today=today,
            first_line=first_line,
        )
    )
    progress.state = "loading"
    return records, first_line


async def ingest_registry(
    conn: asyncpg.Connection,
    body: bytes,
    *,
    content_type: str,
    today: date,
    principal: Principal,
    progress: Progress,
) -> dict[str, int]:
    async with conn.transaction():
        records, _ = await _validated(
            conn,
            body,
            content_type=content_type,
            today=today,
            progress=progress,
            accept=accept_registry_batch,
        )
        stored = await _store_registry(conn, records, progress)
        await _audit(conn, principal, "IngestRegistry", f"{len(records)} rows")
    return {"rows": len(records), **stored}


async def ingest_activity(
    conn: asyncpg.Connection,
    body: bytes,
    *,
    content_type: str,
    today: date,
    principal: Principal,
    progress: Progress,
) -> dict[str, int]:
    async with conn.transaction():
        records, first_line = await _validated(
            conn,
            body,
            content_type=content_type,
            today=today,
            progress=progress,
            accept=accept_activity_batch,
        )
        lines = list(range(first_line, first_line + len(records)))
        result = await _store_activity(conn, records, lines=lines, progress=progress)
        await _audit(conn, principal, "IngestActivity", f"{len(records)} rows")
    return result


async def ingest_bundle(
    conn: asyncpg.Connection,
    bundle: Mapping[str, Any],
    *,
    today: date,
    principal: Principal,
    progress: Progress,
) -> tuple[BundleContents, set[str]]:
    """A transaction or batch Bundle, all entries or none; row faults name the entry.

    Returns what was read and the NHS numbers that were already registered (updated, not new).
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        practices = await _known_practices(conn)
        progress.state = "validating"
        entries = bundle.get("entry")
        progress.rows_read = len(entries) if isinstance(entries, list) else 0
        nhs_numbers = _subject_nhs_numbers(entries)
        registered = dict(
            await conn.fetch(
                "SELECT nhs_number, practice_code FROM patient WHERE nhs_number = ANY($1::text[])",
                nhs_numbers,
            )
        )
        contents = read_bundle(
            bundle, known_practices=practices, registered=registered, today=today
        )
        progress.state = "loading"
        already = {
            r["nhs_number"]
            for r in await conn.fetch(
                "SELECT nhs_number FROM patient WHERE nhs_number = ANY($1::text[])",
                [r.nhs_number for r in contents.registry],
            )
        }
        try:
            await _store_registry(conn, contents.registry, progress)
            if contents.activity:
                await _store_activity(
                    conn, contents.activity, lines=contents.activity_entries, progress=progress
                )
        except IngestBatchRejected as exc:
            raise BundleRejected([contents.issue_for(e) for e in exc.errors]) from exc
        await _audit(conn, principal, "IngestBundle", f"{len(contents.outcomes)} entries")
    return contents, already


def _subject_nhs_numbers(entries: Any) -> list[str]:
    """NHS numbers that Conditions and Encounters name directly, to look up on the registry."""
    found = []
    for entry in entries if isinstance(entries, list) else []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        subject = resource.get("subject") if isinstance(resource, dict) else None
        ident = subject.get("identifier") if isinstance(subject, dict) else None
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            found.append(ident["value"].replace(" ", ""))
    return found
