"""Injected time (the platform's shared clock), and the rule that every instant is aware."""

from __future__ import annotations

from datetime import UTC, datetime

from cch_contracts.clock import Clock, FakeClock, SystemClock
from dispatch.domain.errors import NaiveTimestamp

__all__ = ["Clock", "FakeClock", "SystemClock", "aware"]


def aware(instant: datetime) -> datetime:
    """Refuse naive datetimes: a 2-hour standard cannot tolerate a silent 1-hour BST shift."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveTimestamp(f"timestamp {instant.isoformat()} has no timezone")
    return instant.astimezone(UTC)
