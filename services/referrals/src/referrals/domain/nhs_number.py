"""NHS number Modulus 11 check, so a mistyped number never names the wrong patient."""

from __future__ import annotations

import operator

from referrals.domain.errors import InvalidNhsNumber

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def is_valid_nhs_number(value: str) -> bool:
    """Ten digits whose Modulus 11 check digit agrees (weights 10..2; 11→0; 10 is invalid)."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    digits = [ord(c) - 48 for c in value]
    total: int = sum(map(operator.mul, digits[:9], _WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


def normalise_nhs_number(value: str) -> str:
    """Digits only (spaces and dashes as printed on letters removed), checked."""
    digits = value.strip().replace(" ", "").replace("-", "")
    if not is_valid_nhs_number(digits):
        raise InvalidNhsNumber(f"{value!r} is not a valid NHS number (10 digits, Modulus 11)")
    return digits
