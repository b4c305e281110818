"""Column-oriented table of coded patient activity: GP, A&E, NEL admissions, registers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int32]
DateArray = npt.NDArray[np.datetime64]


class EventKind(enum.IntEnum):
    """Which contact produced the codes; each index reads only the kinds it was validated on."""

    GP = 0
    AE = 1
    NEL = 2
    CONDITION = 3

    @property
    def label(self) -> str:
        """The value used on the wire and in ingest files."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> EventKind:
        """Parse an ingest row's kind."""
        return cls[label.strip().upper()]


@dataclass(frozen=True, slots=True)
class EventTable:
    """One row per event; secondary codes in CSR form so a million people fit in arrays."""

    n_people: int
    person: IntArray
    date: DateArray
    kind: npt.NDArray[np.int8]
    primary: IntArray
    secondary_offsets: npt.NDArray[np.int64]
    secondary: IntArray
    codes: tuple[str, ...]
    diagnoses: DiagnosisHistory = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.person)
        if not (len(self.date) == len(self.kind) == len(self.primary) == n):
            raise ValueError("event columns differ in length")
        if len(self.secondary_offsets) != n + 1 or self.secondary_offsets[-1] != len(
            self.secondary
        ):
            raise ValueError("secondary_offsets do not index secondary")
        object.__setattr__(self, "diagnoses", DiagnosisHistory.of(self))

    def __len__(self) -> int:
        return len(self.person)

    @property
    def secondary_event(self) -> IntArray:
        """The event row each secondary code belongs to."""
        counts = np.diff(self.secondary_offsets)
        return np.repeat(np.arange(len(self), dtype=np.int32), counts)

    def secondary_codes_of(self, row: int) -> list[str]:
        """Codes of one event's secondary diagnoses, in recorded order."""
        start, end = self.secondary_offsets[row], self.secondary_offsets[row + 1]
        return [self.codes[c] for c in self.secondary[start:end]]

    def code_id(self, code: str) -> int:
        """Vocabulary id of a normalised code."""
        return self.codes.index(code)


def to_datetime64(day: date) -> np.datetime64:
    """Compare Python dates with the table's day-resolution dates."""
    return np.datetime64(day, "D")


def years_before(day: date, years: int) -> date:
    """Same calendar day some years earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_in_years(birth_date: DateArray, on: date) -> npt.NDArray[np.int64]:
    """Completed years of age on a date, via a per-day table so a million people is one gather."""
    if len(birth_date) == 0:
        return np.empty(0, dtype=np.int64)
    birth_days = birth_date.astype("datetime64[D]").astype(np.int64)
    first, last = int(birth_days.min()), int(birth_days.max())
    oldest = max(
        0, on.year - int(np.datetime64(first, "D").astype("datetime64[Y]").astype(int)) - 1969
    )
    # reached[k] = latest birth day giving age >= oldest - k (ascending).
    reached = np.array(
        [np.datetime64(years_before(on, a), "D").astype(np.int64) for a in range(oldest, -1, -1)],
        dtype=np.int64,
    )
    every_day = np.arange(first, last + 1, dtype=np.int64)
    age_of_day = len(reached) - 1 - np.searchsorted(reached, every_day, side="left")
    ages: npt.NDArray[np.int64] = age_of_day.astype(np.int64)[birth_days - first]
    return ages


def day_number(day: date) -> np.int32:
    """Days since 1970-01-01, the unit of the diagnosis history's day column."""
    return np.int32(np.datetime64(day, "D").astype(np.int64))


def _day_numbers(days: DateArray) -> IntArray:
    numbers: IntArray = days.astype("datetime64[D]", copy=False).view(np.int64).astype(np.int32)
    return numbers


@dataclass(frozen=True, slots=True)
class PersonDiagnoses:
    """Diagnosis codes grouped by person (each person's run is contiguous), with their days."""

    person: IntArray
    day: IntArray
    code: IntArray
    owner: IntArray  # people with at least one diagnosis, ascending
    start: npt.NDArray[np.intp]  # where each owner's run begins

    @classmethod
    def grouped(cls, person: IntArray, day: IntArray, code: IntArray) -> PersonDiagnoses:
        """Group by person once, so per-person sets are one reduceat instead of a group-by."""
        if len(person) > 1 and not bool(np.all(person[1:] >= person[:-1])):
            order = np.argsort(person, kind="stable")
            person, day, code = person[order], day[order], code[order]
        boundary = np.ones(len(person), dtype=bool)
        boundary[1:] = person[1:] != person[:-1]
        start = np.flatnonzero(boundary)
        return cls(person=person, day=day, code=code, owner=person[start], start=start)


@dataclass(frozen=True, slots=True)
class DiagnosisHistory:
    """What the indices read, laid out once when a table is built rather than at every index date.

    `admissions`: every diagnosis (primary and secondary) of each emergency admission, which
    HFRS and Charlson read within a lookback; `registers`: each long-term condition's code.
    """

    admissions: PersonDiagnoses
    registers: PersonDiagnoses

    @classmethod
    def of(cls, events: EventTable) -> DiagnosisHistory:
        """Flatten and group the admissions' and registers' codes (about 0.1 s a million people)."""
        # One scan of the kind column finds both (NEL and CONDITION are the two highest kinds).
        read = np.flatnonzero(events.kind >= min(EventKind.NEL, EventKind.CONDITION))
        read_kind = events.kind[read]
        nel = read[read_kind == EventKind.NEL]
        conditions = read[read_kind == EventKind.CONDITION]

        starts = events.secondary_offsets[nel]
        lengths = events.secondary_offsets[nel + 1] - starts
        # Each admission's primary then its secondaries, so person order carries over.
        per_event = lengths + 1
        primary_slot = np.cumsum(per_event) - per_event
        is_primary = np.zeros(int(per_event.sum()), dtype=bool)
        is_primary[primary_slot] = True
        code = np.empty(len(is_primary), dtype=np.int32)
        code[is_primary] = events.primary[nel]
        if int(lengths.sum()) == len(events.secondary):
            # Only admissions carry secondaries (the usual case): they are already in order.
            code[~is_primary] = events.secondary
        else:
            first = np.cumsum(lengths) - lengths
            positions = np.repeat(starts - first, lengths) + np.arange(int(lengths.sum()))
            code[~is_primary] = events.secondary[positions]
        admission_of = np.cumsum(is_primary, dtype=np.int32)  # which admission each code is from
        admission_of -= 1
        admissions = PersonDiagnoses.grouped(
            events.person[nel].astype(np.int32, copy=False)[admission_of],
            _day_numbers(events.date[nel])[admission_of],
            code,
        )
        registers = PersonDiagnoses.grouped(
            events.person[conditions].astype(np.int32, copy=False),
            _day_numbers(events.date[conditions]),
            events.primary[conditions].astype(np.int32, copy=False),
        )
        return cls(admissions=admissions, registers=registers)
