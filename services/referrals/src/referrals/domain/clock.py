"""Injected time, so receipt, decision and review dates are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


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
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward and return the new instant."""
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (aware)."""
        if instant.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = instant.astimezone(UTC)


def require_aware(instant: datetime, what: str) -> datetime:
    """Naive datetimes are ambiguous across BST; every instant is stored in UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return instant.astimezone(UTC)
