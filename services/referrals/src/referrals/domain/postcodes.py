"""UK postcodes, normalised so a crisis location or address is found however it was typed."""

from __future__ import annotations

import re

from referrals.domain.errors import InvalidPostcode

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA). Royal Mail never uses
# Q, V or X first, nor C, I, K, M, O or V in the inward letters. GIR 0AA is the one exception.
_POSTCODE = re.compile(
    r"^(?:(?P<outward>[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)(?P<inward>\d[ABD-HJLNP-UW-Z]{2})|GIR0AA)$"
)


def is_uk_postcode(value: str) -> bool:
    """True when the text is a UK postcode in any spacing or case."""
    return _POSTCODE.match(_squash(value)) is not None


def normalise_postcode(value: str) -> str:
    """Upper case with a single space before the inward code ('sy11ab' → 'SY1 1AB')."""
    squashed = _squash(value)
    if _POSTCODE.match(squashed) is None:
        raise InvalidPostcode(f"{value!r} is not a UK postcode (for example SY2 6FG)")
    return f"{squashed[:-3]} {squashed[-3:]}"


def _squash(value: str) -> str:
    return "".join(value.split()).upper()
