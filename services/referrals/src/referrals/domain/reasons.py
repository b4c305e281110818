"""Coded referral reasons: only SNOMED CT or ICD-10, so every receiving system can read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from referrals.domain.errors import InvalidReasonCode, UnknownCodeSystem
from referrals.domain.vocabulary import ICD_10, SNOMED_CT

REASON_SYSTEMS = frozenset({SNOMED_CT, ICD_10})

_SCTID = re.compile(r"^[1-9]\d{5,17}$")
_ICD10 = re.compile(r"^[A-Z]\d{2}(?:\.?[0-9A-Z]{1,4})?$")

# Verhoeff tables (dihedral group D5), the check digit scheme of SNOMED CT identifiers.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit is the Verhoeff check digit of the rest."""
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(ch)]]
    return check == 0


def is_valid_sctid(code: str) -> bool:
    """A SNOMED CT identifier: 6-18 digits, no leading zero, Verhoeff check digit."""
    return _SCTID.match(code) is not None and verhoeff_valid(code)


def is_valid_icd10(code: str) -> bool:
    """An ICD-10 code shape: letter, two digits, optional (dotted) extension (J44.1, I10)."""
    return _ICD10.match(code) is not None


@dataclass(frozen=True, slots=True)
class CodedReason:
    """Why the patient is referred, as a code every receiving system can interpret."""

    system: str
    code: str
    display: str | None = None

    def __post_init__(self) -> None:
        if self.system not in REASON_SYSTEMS:
            raise UnknownCodeSystem(
                f"reason code system {self.system!r} is not accepted: "
                f"use SNOMED CT ({SNOMED_CT}) or ICD-10 ({ICD_10})"
            )
        if self.system == SNOMED_CT and not is_valid_sctid(self.code):
            raise InvalidReasonCode(f"{self.code!r} is not a SNOMED CT concept id")
        if self.system == ICD_10 and not is_valid_icd10(self.code):
            raise InvalidReasonCode(f"{self.code!r} is not an ICD-10 code (for example J44.1)")


def snomed(code: str, display: str | None = None) -> CodedReason:
    """A SNOMED CT reason."""
    return CodedReason(SNOMED_CT, code, display)


def icd10(code: str, display: str | None = None) -> CodedReason:
    """An ICD-10 reason."""
    return CodedReason(ICD_10, code, display)
