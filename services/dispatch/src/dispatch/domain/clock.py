"""Injected time, so the 2-hour clock and warnings are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from dispatch.domain.errors import NaiveTimestamp


class Clock(Protocol):
    """Source of the current instant in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, used only at the edges of the service."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = aware(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward and return the new instant."""
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (aware)."""
        self._now = aware(instant)


def aware(instant: datetime) -> datetime:
    """Refuse naive datetimes: a 2-hour standard cannot tolerate a silent 1-hour BST shift."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveTimestamp(f"timestamp {instant.isoformat()} has no timezone")
    return instant.astimezone(UTC)
