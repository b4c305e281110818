"""FHIR date search values: a prefix and the half-open range of instants the value covers."""

import re
from datetime import UTC, datetime, timedelta

_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


def date_range(value: str) -> tuple[datetime, datetime]:
    """[lo, hi) covered by a FHIR date, dateTime or instant; ValueError when malformed."""
    m = _DATE.match(value.strip())
    if m is None:
        raise ValueError(f"{value!r} is not a FHIR date")
    year, month, day, hour, minute, second, frac, tz = m.groups()
    tzinfo = UTC
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        from datetime import timezone

        tzinfo = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
    y = int(year)
    if month is None:
        return datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC)
    mo = int(month)
    if day is None:
        lo = datetime(y, mo, 1, tzinfo=UTC)
        hi = datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=UTC)
        return lo, hi
    d = int(day)
    if hour is None:
        lo = datetime(y, mo, d, tzinfo=UTC)
        return lo, lo + timedelta(days=1)
    sec = int(second or 0)
    micro = int(float(frac) * 1_000_000) if frac else 0
    lo = datetime(y, mo, d, int(hour), int(minute), sec, micro, tzinfo=tzinfo)
    step = timedelta(seconds=1) if second is not None and not frac else timedelta(minutes=1)
    if frac:
        step = timedelta(microseconds=1)
    return lo, lo + step


def split_prefix(value: str) -> tuple[str, str]:
    if len(value) > 2 and value[:2] in PREFIXES and not value[:2].isdigit():
        return value[:2], value[2:]
    return "eq", value
