"""Injected time, shared by every service so time-driven rules are testable without sleeping.

Domain rules take a `Clock`; the service wires `SystemClock` at its edge and tests move a
`FakeClock` by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current instant in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, used only at the edges of a service."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("FakeClock needs an aware datetime")
    return instant.astimezone(UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward and return the new instant."""
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (aware)."""
        self._now = _aware(instant)


def today(clock: Clock) -> date:
    """The UTC calendar day, which is what report and review dates are kept in."""
    return clock.now().astimezone(UTC).date()
