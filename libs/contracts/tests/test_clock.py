from datetime import UTC, datetime, timedelta, timezone

import pytest

from cch_contracts.clock import FakeClock, SystemClock


def test_fake_clock_moves_only_when_told_and_reports_utc():
    clock = FakeClock(datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert clock.advance(timedelta(minutes=120)) == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.now() == datetime(2026, 4, 1, tzinfo=UTC)


def test_naive_instants_are_refused_so_local_time_never_leaks_in():
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2026, 3, 1, 9, 0))
    clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 3, 2))


def test_system_clock_is_aware():
    assert SystemClock().now().tzinfo is not None
