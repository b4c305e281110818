"""Injected time (the platform's shared clock) and the rule that every instant is aware."""

from __future__ import annotations

from datetime import UTC, datetime

from cch_contracts.clock import Clock, FakeClock, SystemClock

__all__ = ["Clock", "FakeClock", "SystemClock", "require_aware"]


def require_aware(instant: datetime, what: str) -> datetime:
    """Naive datetimes are ambiguous across BST; every instant is stored in UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return instant.astimezone(UTC)
