"""When the referrer wants the patient seen (FHIR ServiceRequest.occurrence[x]).

Either by one moment (occurrenceDateTime) or within a window (occurrencePeriod, either end may
be open). Each bound keeps the precision the referrer wrote: a date means the whole day. The
window is what the MDT worklist and a search by `occurrence` compare against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from referrals.domain.errors import InvalidReferral


@dataclass(frozen=True, slots=True)
class SeenWhen:
    """A referrer's wanted time: a FHIR date or dateTime with timezone (text as written)."""

    text: str

    def __post_init__(self) -> None:
        if _parse(self.text) is None:
            raise InvalidReferral(
                f"{self.text!r}: give a full date, or a date and time with its timezone"
            )

    @property
    def is_date(self) -> bool:
        return len(self.text) == 10

    @property
    def earliest(self) -> datetime:
        """The first instant the value covers (midnight UTC for a date)."""
        parsed = _parse(self.text)
        assert parsed is not None
        return parsed

    @property
    def latest(self) -> datetime:
        """The last instant the value covers (the end of the day for a date)."""
        if self.is_date:
            return self.earliest + timedelta(days=1) - timedelta(microseconds=1)
        return self.earliest


@dataclass(frozen=True, slots=True)
class WhenToSee:
    """occurrenceDateTime (`at`) or occurrencePeriod (`start`/`end`, at least one)."""

    at: SeenWhen | None = None
    start: SeenWhen | None = None
    end: SeenWhen | None = None

    def __post_init__(self) -> None:
        if self.at is not None and (self.start is not None or self.end is not None):
            raise InvalidReferral("say when to see the patient as one moment or one window")
        if self.at is None and self.start is None and self.end is None:
            raise InvalidReferral("a window to see the patient needs a start or an end")
        if self.start and self.end and self.end.latest < self.start.earliest:
            raise InvalidReferral(
                f"the window to see the patient ends ({self.end.text}) before it starts "
                f"({self.start.text})"
            )

    @property
    def is_window(self) -> bool:
        return self.at is None

    @property
    def earliest(self) -> datetime | None:
        """The window's first instant (None: open at the start)."""
        first = self.at or self.start
        return first.earliest if first else None

    @property
    def latest(self) -> datetime | None:
        """The window's last instant (None: open at the end)."""
        last = self.at or self.end
        return last.latest if last else None


def _parse(value: str) -> datetime | None:
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.min, UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
