"""NHS numbers are checked with their Modulus 11 check digit before anything is stored."""

import nhs_number


def is_valid_nhs_number(value: str) -> bool:
    """True for a 10-digit NHS number whose check digit is right."""
    return len(value) == 10 and value.isdigit() and bool(nhs_number.is_valid(value))  # type: ignore[attr-defined]
