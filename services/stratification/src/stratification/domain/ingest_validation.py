"""Row checks for population data ingest: one bad row rejects the batch, every fault listed."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from nhs_number.validate import is_valid as nhs_number_is_valid

from .errors import DomainError
from .icd10_codes import is_icd10_code, normalise_icd10
from .patient_activity import EventKind

ACTIVITY_FIELDS: tuple[str, ...] = (
    "nhs_number", "practice_code", "date", "kind", "icd10_primary", "icd10_secondary",
)  # fmt: skip
REGISTRY_FIELDS: tuple[str, ...] = (
    "nhs_number", "sex", "birth_date", "practice_code", "postcode", "easting", "northing",
)  # fmt: skip
ALLOWED_KINDS = frozenset(kind.label for kind in EventKind)
ALLOWED_SEXES = frozenset({"male", "female", "other", "unknown"})
EARLIEST_DATE = date(1900, 1, 1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NHS_NUMBER_SHAPE = re.compile(r"^\d{3} ?\d{3} ?\d{4}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
# British National Grid extents, metres.
_MAX_EASTING = 700_000.0
_MAX_NORTHING = 1_300_000.0


@dataclass(frozen=True, slots=True)
class RowError:
    """One fault: where it is, what was there and why it is refused."""

    line: int
    field: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """An accepted activity row, normalised (codes without dots, kind as enum)."""

    nhs_number: str
    practice_code: str
    date: date
    kind: EventKind
    icd10_primary: str
    icd10_secondary: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RegistryRecord:
    """An accepted registry row."""

    nhs_number: str
    sex: str
    birth_date: date
    practice_code: str
    postcode: str
    easting: float | None
    northing: float | None


class IngestBatchRejected(DomainError):
    """A batch with any bad row is refused whole so stored data never holds half a file."""

    code = "ingest-batch-rejected"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"batch rejected: {len(errors)} invalid field(s)")
        self.errors = errors


class _RowChecker:
    """Collects faults for one row so every problem is reported, not just the first."""

    def __init__(self, line: int, row: Mapping[str, str | None], errors: list[RowError]) -> None:
        self.line = line
        self.row = row
        self.errors = errors

    def fail(self, field: str, value: str, reason: str) -> None:
        self.errors.append(RowError(self.line, field, value, reason))

    def text(self, field: str, *, required: bool = True) -> str | None:
        value = self.row.get(field)
        if value is None or (required and not value.strip()):
            if required:
                self.fail(field, "" if value is None else value, "missing")
            return None
        return value.strip()

    def nhs_number(self) -> str | None:
        value = self.text("nhs_number")
        if value is None:
            return None
        if not _NHS_NUMBER_SHAPE.match(value) or not nhs_number_is_valid(value):
            self.fail("nhs_number", value, "not a valid NHS number (Modulus 11)")
            return None
        return value.replace(" ", "")

    def iso_date(self, field: str, today: date) -> date | None:
        value = self.text(field)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value) if _ISO_DATE.match(value) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail(field, value, "not an ISO date (YYYY-MM-DD)")
        elif parsed > today:
            self.fail(field, value, "in the future")
        elif parsed < EARLIEST_DATE:
            self.fail(field, value, "before 1900")
        else:
            return parsed
        return None

    def practice(self, known_practices: Collection[str]) -> str | None:
        value = self.text("practice_code")
        if value is None:
            return None
        if value.upper() not in known_practices:
            self.fail("practice_code", value, "unknown practice")
            return None
        return value.upper()

    def icd10(self, field: str, value: str) -> str | None:
        if not is_icd10_code(value):
            self.fail(field, value, "not an ICD-10 code")
            return None
        return normalise_icd10(value)


def _check_activity(
    line: int,
    row: Mapping[str, str | None],
    *,
    known_practices: Collection[str],
    today: date,
    errors: list[RowError],
) -> ActivityRecord | None:
    check = _RowChecker(line, row, errors)
    before = len(errors)
    nhs = check.nhs_number()
    practice = check.practice(known_practices)
    day = check.iso_date("date", today)
    kind_text = check.text("kind")
    kind = None
    if kind_text is not None:
        if kind_text.lower() in ALLOWED_KINDS:
            kind = EventKind.from_label(kind_text)
        else:
            check.fail("kind", kind_text, f"not one of {sorted(ALLOWED_KINDS)}")
    primary_text = check.text("icd10_primary")
    primary = None if primary_text is None else check.icd10("icd10_primary", primary_text)
    secondary_text = check.text("icd10_secondary", required=False) or ""
    secondary = tuple(
        code
        for part in secondary_text.split(";")
        if part.strip() and (code := check.icd10("icd10_secondary", part.strip())) is not None
    )
    if len(errors) > before or None in (nhs, practice, day, kind, primary):
        return None
    assert nhs is not None
    assert practice is not None
    assert day is not None
    assert kind is not None
    assert primary is not None
    return ActivityRecord(nhs, practice, day, kind, primary, secondary)


def validate_activity_rows(
    rows: Iterable[Mapping[str, str | None]],
    *,
    known_practices: Collection[str],
    today: date,
    first_line: int = 1,
) -> tuple[list[ActivityRecord], list[RowError]]:
    """Check every row and duplicates within the batch; line numbers count from first_line."""
    errors: list[RowError] = []
    records: list[ActivityRecord] = []
    seen: dict[tuple[object, ...], int] = {}
    for line, row in enumerate(rows, start=first_line):
        record = _check_activity(
            line, row, known_practices=known_practices, today=today, errors=errors
        )
        if record is None:
            continue
        key = (record.nhs_number, record.practice_code, record.date, record.kind,
               record.icd10_primary, tuple(sorted(record.icd10_secondary)))  # fmt: skip
        if key in seen:
            errors.append(
                RowError(line, "row", record.nhs_number, f"duplicate of line {seen[key]}")
            )
            continue
        seen[key] = line
        records.append(record)
    return records, errors


def accept_activity_batch(
    rows: Iterable[Mapping[str, str | None]],
    *,
    known_practices: Collection[str],
    today: date,
    first_line: int = 1,
) -> list[ActivityRecord]:
    """All rows or none: raise IngestBatchRejected listing every fault."""
    records, errors = validate_activity_rows(
        rows, known_practices=known_practices, today=today, first_line=first_line
    )
    if errors:
        raise IngestBatchRejected(errors)
    return records


def _coordinate(check: _RowChecker, field: str, limit: float) -> float | None:
    value = check.text(field, required=False)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        check.fail(field, value, "not a number")
        return None
    if not 0.0 <= number <= limit:
        check.fail(field, value, "outside the British National Grid")
        return None
    return number


def validate_registry_rows(
    rows: Iterable[Mapping[str, str | None]],
    *,
    known_practices: Collection[str],
    today: date,
    first_line: int = 1,
) -> tuple[list[RegistryRecord], list[RowError]]:
    """Check registry rows; an NHS number may appear once per batch."""
    errors: list[RowError] = []
    records: list[RegistryRecord] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=first_line):
        check = _RowChecker(line, row, errors)
        before = len(errors)
        nhs = check.nhs_number()
        sex = check.text("sex")
        if sex is not None and sex.lower() not in ALLOWED_SEXES:
            check.fail("sex", sex, f"not one of {sorted(ALLOWED_SEXES)}")
        born = check.iso_date("birth_date", today)
        practice = check.practice(known_practices)
        postcode = check.text("postcode")
        if postcode is not None and not _POSTCODE.match(postcode.upper()):
            check.fail("postcode", postcode, "not a UK postcode")
        easting = _coordinate(check, "easting", _MAX_EASTING)
        northing = _coordinate(check, "northing", _MAX_NORTHING)
        if len(errors) > before or nhs is None or born is None or practice is None:
            continue
        if nhs in seen:
            errors.append(RowError(line, "nhs_number", nhs, f"duplicate of line {seen[nhs]}"))
            continue
        seen[nhs] = line
        assert sex is not None
        assert postcode is not None
        records.append(
            RegistryRecord(nhs, sex.lower(), born, practice, postcode.upper(), easting, northing)
        )
    return records, errors


def accept_registry_batch(
    rows: Iterable[Mapping[str, str | None]],
    *,
    known_practices: Collection[str],
    today: date,
    first_line: int = 1,
) -> list[RegistryRecord]:
    """All rows or none: raise IngestBatchRejected listing every fault."""
    records, errors = validate_registry_rows(
        rows, known_practices=known_practices, today=today, first_line=first_line
    )
    if errors:
        raise IngestBatchRejected(errors)
    return records
