"""Column-oriented table of coded patient activity: GP, A&E, NEL admissions, registers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
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

    def __post_init__(self) -> None:
        n = len(self.person)
        if not (len(self.date) == len(self.kind) == len(self.primary) == n):
            raise ValueError("event columns differ in length")
        if len(self.secondary_offsets) != n + 1 or self.secondary_offsets[-1] != len(
            self.secondary
        ):
            raise ValueError("secondary_offsets do not index secondary")

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
