"""Long-term conditions the programme counts: QOF-style registers by ICD-10 3-character code."""

from __future__ import annotations

from ..icd10_codes import expand_ranges

# Each register counts once however many of its codes a patient carries.
LONG_TERM_CONDITIONS: dict[str, tuple[str, ...]] = {
    "hypertension": tuple(expand_ranges(["I10-I15"])),
    "diabetes": tuple(expand_ranges(["E10-E14"])),
    "copd": tuple(expand_ranges(["J41-J44"])),
    "asthma": ("J45", "J46"),
    "coronary_heart_disease": tuple(expand_ranges(["I20-I25"])),
    "heart_failure": ("I50",),
    "atrial_fibrillation": ("I48",),
    "stroke_tia": (*expand_ranges(["I60-I64"]), "I69", "G45"),
    "chronic_kidney_disease": ("N18",),
    "dementia": (*expand_ranges(["F00-F03"]), "G30"),
    "depression": ("F32", "F33"),
    "cancer": tuple(c for c in expand_ranges(["C00-C97"]) if c != "C44"),
    "osteoarthritis": tuple(expand_ranges(["M15-M19"])),
    "rheumatoid_arthritis": ("M05", "M06"),
    "epilepsy": ("G40", "G41"),
    "parkinsons_disease": ("G20",),
    "peripheral_arterial_disease": ("I70", "I73"),
    "osteoporosis": ("M80", "M81"),
    "serious_mental_illness": ("F20", "F25", "F31"),
    "hypothyroidism": ("E03",),
}

LTC_GROUPS: tuple[str, ...] = tuple(LONG_TERM_CONDITIONS)
LTC_PREFIX_GROUP: dict[str, int] = {
    code: i for i, codes in enumerate(LONG_TERM_CONDITIONS.values()) for code in codes
}
