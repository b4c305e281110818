"""Charlson index: Quan 2005 ICD-10 coding, Charlson 1987 weights, scored as pycomorb does."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# (category, Charlson weight, ICD-10 prefixes). A code counts for a category when it starts with
# any listed prefix, at any length: the same matching pycomorb applies to its CHARLSON_QUAN table.
QUAN_CHARLSON: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("myocardial_infarction", 1, ("I21", "I22", "I252")),
    ("congestive_heart_failure", 1, (
        "I43", "I50", "I099", "I110", "I130", "I132", "I255", "I420", "I425", "I426", "I427",
        "I428", "I429", "P290",
    )),
    ("peripheral_vascular_disease", 1, (
        "I70", "I71", "I731", "I738", "I739", "I771", "I790", "I792", "K551", "K558", "K559",
        "Z958", "Z959",
    )),
    ("cerebrovascular_disease", 1, (
        "G45", "G46", "I60", "I61", "I62", "I63", "I64", "I65", "I66", "I67", "I68", "I69", "H340",
    )),
    ("dementia", 1, ("F00", "F01", "F02", "F03", "G30", "F051", "G311")),
    ("chronic_pulmonary_disease", 1, (
        "J40", "J41", "J42", "J43", "J44", "J45", "J46", "J47", "J60", "J61", "J62", "J63", "J64",
        "J65", "J66", "J67", "I278", "I279", "J684", "J701", "J703",
    )),
    ("rheumatic_disease", 1, ("M05", "M06", "M32", "M33", "M34", "M315", "M351", "M353", "M360")),
    ("peptic_ulcer_disease", 1, ("K25", "K26", "K27", "K28")),
    ("mild_liver_disease", 1, (
        "B18", "K73", "K74", "K700", "K701", "K702", "K703", "K709", "K713", "K714", "K715",
        "K717", "K760", "K762", "K763", "K764", "K768", "K769", "Z944",
    )),
    ("diabetes_without_complication", 1, (
        "E100", "E101", "E106", "E108", "E109", "E110", "E111", "E116", "E118", "E119", "E120",
        "E121", "E126", "E128", "E129", "E130", "E131", "E136", "E138", "E139", "E140", "E141",
        "E146", "E148", "E149",
    )),
    ("diabetes_with_complication", 2, (
        "E102", "E103", "E104", "E105", "E107", "E112", "E113", "E114", "E115", "E117", "E122",
        "E123", "E124", "E125", "E127", "E132", "E133", "E134", "E135", "E137", "E142", "E143",
        "E144", "E145", "E147",
    )),
    ("hemiplegia_or_paraplegia", 2, (
        "G81", "G82", "G041", "G114", "G801", "G802", "G830", "G831", "G832", "G833", "G834",
        "G839",
    )),
    ("renal_disease", 2, (
        "N18", "N19", "I120", "I131", "N032", "N033", "N034", "N035", "N036", "N037", "N052",
        "N053", "N054", "N055", "N056", "N057", "N250", "Z490", "Z491", "Z492", "Z940", "Z992",
    )),
    ("any_malignancy", 2, (
        "C43", "C88", "C0", "C1", "C20", "C21", "C22", "C23", "C24", "C25", "C26", "C30", "C31",
        "C32", "C33", "C34", "C37", "C38", "C39", "C40", "C41", "C45", "C46", "C47", "C48", "C49",
        "C50", "C51", "C52", "C53", "C54", "C55", "C56", "C57", "C58", "C60", "C61", "C62", "C63",
        "C64", "C65", "C66", "C67", "C68", "C69", "C70", "C71", "C72", "C73", "C74", "C75", "C76",
        "C81", "C82", "C83", "C84", "C85", "C90", "C91", "C92", "C93", "C94", "C95", "C96", "C97",
    )),
    ("moderate_or_severe_liver_disease", 3, (
        "I850", "I859", "I864", "I982", "K704", "K711", "K721", "K729", "K765", "K766", "K767",
    )),
    ("metastatic_solid_tumour", 6, ("C77", "C78", "C79", "C80")),
    ("aids_hiv", 6, ("B20", "B21", "B22", "B24")),
)  # fmt: skip

CHARLSON_CATEGORIES: tuple[str, ...] = tuple(name for name, _, _ in QUAN_CHARLSON)
CHARLSON_WEIGHTS: npt.NDArray[np.int64] = np.array([w for _, w, _ in QUAN_CHARLSON], dtype=np.int64)
CHARLSON_PREFIX_BITS: dict[str, int] = {
    prefix: 1 << i for i, (_, _, prefixes) in enumerate(QUAN_CHARLSON) for prefix in prefixes
}


def _bit(category: str) -> int:
    return 1 << CHARLSON_CATEGORIES.index(category)


# (more severe, milder): a patient with both scores only the more severe, so nothing counts twice.
CHARLSON_HIERARCHY: tuple[tuple[int, int], ...] = (
    (_bit("diabetes_with_complication"), _bit("diabetes_without_complication")),
    (_bit("moderate_or_severe_liver_disease"), _bit("mild_liver_disease")),
    (_bit("metastatic_solid_tumour"), _bit("any_malignancy")),
)


def charlson_score(category_mask: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sum the weights of each patient's categories after the severity hierarchy."""
    mask = category_mask.copy()
    for severe, mild in CHARLSON_HIERARCHY:
        mask[(mask & severe) != 0] &= ~mild
    score = np.zeros(mask.shape, dtype=np.int64)
    for i, weight in enumerate(CHARLSON_WEIGHTS):
        score += ((mask >> i) & 1) * weight
    return score


def charlson_age_points(age_years: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Charlson's age adjustment: a point a decade from 50 up to 4 at 80+."""
    return np.clip((age_years - 40) // 10, 0, 4).astype(np.int64)
