"""Row iterators that turn the generated arrays into ingest files (CSV lines or NDJSON), lazily."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ..ingest_validation import ACTIVITY_FIELDS, REGISTRY_FIELDS
from ..patient_activity import EventKind
from .generator import SyntheticPopulation

_SEX_LABEL = {1: "male", 2: "female"}
_CHUNK = 50_000


def dotted(code: str) -> str:
    """Write codes as clinical systems print them ('J44.1'); ingest strips the dot again."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def registry_rows(population: SyntheticPopulation) -> Iterator[dict[str, str]]:
    """One row per registered person, in person order."""
    practice_codes = population.practice_codes()
    postcodes = population.gazetteer.postcode[population.postcode_index]
    easting, northing = population.easting, population.northing
    births = population.birth_date.astype(str)
    for i in range(population.size):
        yield {
            "nhs_number": str(population.nhs_number[i]),
            "sex": _SEX_LABEL[int(population.sex[i])],
            "birth_date": str(births[i]),
            "practice_code": str(practice_codes[i]),
            "postcode": str(postcodes[i]),
            "easting": f"{easting[i]:.0f}",
            "northing": f"{northing[i]:.0f}",
        }


def activity_rows(
    population: SyntheticPopulation, *, rows: slice | None = None
) -> Iterator[dict[str, str]]:
    """One row per event (optionally a slice of the table), converted a chunk at a time."""
    events = population.events
    start, stop, _ = (rows or slice(None)).indices(len(events))
    codes = [dotted(c) for c in events.codes]
    labels = {k.value: k.label for k in EventKind}
    practice_codes = population.practices.code
    for chunk_start in range(start, stop, _CHUNK):
        chunk_stop = min(chunk_start + _CHUNK, stop)
        person = events.person[chunk_start:chunk_stop]
        nhs = population.nhs_number[person].astype(str)
        practice = population.practice[person]
        days = events.date[chunk_start:chunk_stop].astype(str)
        kinds = events.kind[chunk_start:chunk_stop]
        primary = events.primary[chunk_start:chunk_stop]
        offsets = events.secondary_offsets
        for j in range(chunk_stop - chunk_start):
            row = chunk_start + j
            secondary = events.secondary[offsets[row] : offsets[row + 1]]
            yield {
                "nhs_number": str(nhs[j]),
                "practice_code": practice_codes[int(practice[j])],
                "date": str(days[j]),
                "kind": labels[int(kinds[j])],
                "icd10_primary": codes[int(primary[j])],
                "icd10_secondary": ";".join(codes[int(c)] for c in secondary),
            }


def csv_lines(rows: Iterable[Mapping[str, str]], fields: Sequence[str]) -> Iterator[str]:
    """Header then one CSV line per row (no file handle: the caller decides where lines go)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        yield from _drain(buffer)
    yield from _drain(buffer)


def _drain(buffer: io.StringIO) -> Iterator[str]:
    text = buffer.getvalue()
    if text:
        buffer.seek(0)
        buffer.truncate()
        yield from text.splitlines(keepends=True)


def ndjson_lines(rows: Iterable[Mapping[str, str]]) -> Iterator[str]:
    """One JSON object per line."""
    for row in rows:
        yield json.dumps(row, separators=(",", ":")) + "\n"


REGISTRY_COLUMNS = REGISTRY_FIELDS
ACTIVITY_COLUMNS = ACTIVITY_FIELDS


def known_practice_codes(population: SyntheticPopulation) -> frozenset[str]:
    """Practice codes an ingest of this population should accept."""
    return frozenset(population.practices.code)
