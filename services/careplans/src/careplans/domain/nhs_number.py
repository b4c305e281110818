"""NHS number Modulus 11 check, so a mistyped number never names the wrong patient."""

from __future__ import annotations

from careplans.domain.errors import InvalidNhsNumber
from careplans.domain.vocabulary import NHS_NUMBER_SYSTEM

__all__ = ["NHS_NUMBER_SYSTEM", "is_valid_nhs_number", "normalise_nhs_number"]


def is_valid_nhs_number(value: str) -> bool:
    """Ten digits whose Modulus 11 check digit agrees (weights 10..2; 11→0; 10 is invalid)."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def normalise_nhs_number(value: str) -> str:
    """Digits only (spaces and dashes as printed on letters removed), checked."""
    digits = value.replace(" ", "").replace("-", "")
    if not is_valid_nhs_number(digits):
        raise InvalidNhsNumber(f"{value!r} is not a valid NHS number (10 digits, Modulus 11)")
    return digits
