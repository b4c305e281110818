"""FHIR partial dates and dateTimes as half-open UTC ranges, for search and period checks.

`2024` covers the whole year, `2024-03` the month, `2024-03-05` the day, a dateTime to the
minute or second its precision. Values without a time zone are read as UTC (the platform's
storage zone); a date-only value therefore means the UTC calendar day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

_PARTIAL = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True, slots=True)
class InstantRange:
    """[start, end) in UTC; end None means open-ended (a period still running)."""

    start: datetime | None
    end: datetime | None

    def overlaps(self, other: InstantRange) -> bool:
        starts_before_other_ends = other.end is None or self.start is None or self.start < other.end
        ends_after_other_starts = self.end is None or other.start is None or self.end > other.start
        return starts_before_other_ends and ends_after_other_starts


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    return moment.replace(year=moment.year + month_index // 12, month=month_index % 12 + 1)


def parse_partial(text: str) -> InstantRange | None:
    """The range a FHIR date/dateTime value stands for, or None when it is malformed."""
    match = _PARTIAL.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    zone = UTC
    if parts["tz"] and parts["tz"] != "Z":
        sign = 1 if parts["tz"][0] == "+" else -1
        hours, minutes = int(parts["tz"][1:3]), int(parts["tz"][4:6])
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        start = datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int((parts["fraction"] or "0").ljust(6, "0")[:6]),
            tzinfo=zone,
        )
    except ValueError:
        return None
    if parts["month"] is None:
        end = start.replace(year=start.year + 1)
    elif parts["day"] is None:
        end = _add_months(start, 1)
    elif parts["hour"] is None:
        end = start + timedelta(days=1)
    elif parts["second"] is None:
        end = start + timedelta(minutes=1)
    elif parts["fraction"] is None:
        end = start + timedelta(seconds=1)
    else:
        end = start + timedelta(microseconds=1)
    return InstantRange(start.astimezone(UTC), end.astimezone(UTC))


def period_range(period: dict[str, object] | None) -> InstantRange:
    """A FHIR Period as a range: from the start of `start` to the end of `end` (open if absent)."""
    period = period or {}
    start = parse_partial(str(period["start"])) if "start" in period else None
    end = parse_partial(str(period["end"])) if "end" in period else None
    return InstantRange(start.start if start else None, end.end if end else None)
