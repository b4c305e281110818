"""Weighted ICD-10 code pools the generator draws from, and the vocabulary they form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..indices.long_term_conditions import LTC_GROUPS


@dataclass(frozen=True, slots=True)
class CodePool:
    """Codes and the probability each is drawn."""

    codes: tuple[str, ...]
    weights: tuple[float, ...]

    @property
    def probabilities(self) -> npt.NDArray[np.float64]:
        """Weights normalised to sum to one."""
        w = np.asarray(self.weights, dtype=np.float64)
        normalised: npt.NDArray[np.float64] = w / w.sum()
        return normalised


def pool(**weighted: float) -> CodePool:
    """Build a pool from code=weight keywords."""
    return CodePool(codes=tuple(weighted), weights=tuple(weighted.values()))


# Register code per long-term condition (what a GP system records at diagnosis).
REGISTER_CODES: dict[str, CodePool] = {
    "hypertension": pool(I10=0.95, I119=0.05),
    "diabetes": pool(E119=0.55, E109=0.08, E112=0.1, E113=0.07, E115=0.05, E116=0.05, E118=0.1),
    "copd": pool(J449=0.7, J448=0.2, J439=0.1),
    "asthma": pool(J459=0.9, J450=0.1),
    "coronary_heart_disease": pool(I251=0.5, I209=0.25, I252=0.25),
    "heart_failure": pool(I500=0.7, I509=0.3),
    "atrial_fibrillation": pool(I48=1.0),
    "stroke_tia": pool(I639=0.35, I694=0.25, G459=0.4),
    "chronic_kidney_disease": pool(N183=0.7, N184=0.2, N185=0.1),
    "dementia": pool(F03=0.45, F001=0.3, F019=0.15, G309=0.1),
    "depression": pool(F329=0.6, F339=0.4),
    "cancer": pool(C509=0.25, C61=0.25, C189=0.15, C349=0.15, C439=0.1, C859=0.1),
    "osteoarthritis": pool(M199=0.5, M179=0.3, M169=0.2),
    "rheumatoid_arthritis": pool(M069=1.0),
    "epilepsy": pool(G409=1.0),
    "parkinsons_disease": pool(G20=1.0),
    "peripheral_arterial_disease": pool(I739=0.8, I702=0.2),
    "osteoporosis": pool(M819=0.8, M809=0.2),
    "serious_mental_illness": pool(F209=0.4, F319=0.6),
    "hypothyroidism": pool(E039=1.0),
}

# Relative chance a multimorbid person carries each register (order of LTC_GROUPS).
LTC_PREVALENCE: dict[str, float] = {
    "hypertension": 0.30, "diabetes": 0.12, "copd": 0.06, "asthma": 0.08,
    "coronary_heart_disease": 0.09, "heart_failure": 0.04, "atrial_fibrillation": 0.06,
    "stroke_tia": 0.04, "chronic_kidney_disease": 0.07, "dementia": 0.03, "depression": 0.10,
    "cancer": 0.05, "osteoarthritis": 0.10, "rheumatoid_arthritis": 0.012, "epilepsy": 0.01,
    "parkinsons_disease": 0.006, "peripheral_arterial_disease": 0.02, "osteoporosis": 0.03,
    "serious_mental_illness": 0.01, "hypothyroidism": 0.04,
}  # fmt: skip
# Registers whose prevalence climbs steeply with age beyond the overall LTC count.
AGE_STEEP_LTCS = ("dementia", "heart_failure", "atrial_fibrillation", "osteoporosis")

# Usually avoidable admission for a person's own chronic ACSC register (NHS OF 2.3.i codes).
CHRONIC_ACSC_ADMISSION: dict[str, str] = {
    "copd": "J441", "asthma": "J459", "heart_failure": "I500", "atrial_fibrillation": "I48",
    "coronary_heart_disease": "I209", "hypertension": "I10", "diabetes": "E116",
    "dementia": "F03", "epilepsy": "G409",
}  # fmt: skip
ACUTE_ACSC_ADMISSION = pool(
    N390=0.3, L031=0.2, E86=0.12, J181=0.08, A09=0.1, N10=0.08, K250=0.02, J069=0.05, J188=0.05
)
SOMETIMES_AVOIDABLE_ADMISSION = pool(
    S720=0.12,
    S325=0.04,
    S422=0.04,
    S060=0.05,
    S009=0.04,
    R296=0.06,
    R55=0.1,
    F059=0.08,
    E871=0.07,
    J189=0.15,
    J22=0.07,
    L891=0.02,
    N179=0.06,
    R410=0.03,
    R268=0.02,
    R54=0.02,
    R509=0.02,
)
NOT_AVOIDABLE_ADMISSION = pool(
    I219=0.1,
    I639=0.1,
    I619=0.02,
    C349=0.04,
    C189=0.03,
    K566=0.04,
    K358=0.02,
    K800=0.04,
    K573=0.04,
    I269=0.04,
    A419=0.1,
    K922=0.05,
    R074=0.1,
    R104=0.08,
    I714=0.01,
    K859=0.03,
    J960=0.03,
    D649=0.03,
    N200=0.02,
)
# Secondary diagnoses recording frailty (HFRS categories) on admissions of older people.
FRAILTY_SECONDARY = pool(
    R296=0.08,
    W19=0.08,
    F059=0.06,
    R410=0.05,
    N390=0.08,
    R268=0.06,
    R54=0.05,
    Z741=0.04,
    Z755=0.02,
    E86=0.05,
    E871=0.05,
    L891=0.03,
    I959=0.03,
    Z870=0.02,
    Z918=0.04,
    S009=0.03,
    R55=0.04,
    N179=0.05,
    R32=0.03,
    R33=0.02,
    B962=0.03,
    Z501=0.02,
    M819=0.02,
    R263=0.02,
    K590=0.03,
    E559=0.02,
    H547=0.01,
    R630=0.02,
    D649=0.02,
)
# Complications that make the Charlson hierarchy matter (diabetes, cancer, liver, stroke).
DIABETES_COMPLICATION = pool(E112=0.5, E114=0.3, E115=0.2)
METASTASIS = pool(C795=0.3, C787=0.4, C780=0.3)
LIVER_DISEASE = pool(K703=0.5, K760=0.3, I859=0.1, K729=0.1)
HEMIPLEGIA = pool(G819=1.0)
GP_GENERIC = pool(
    J069=0.18,
    M545=0.14,
    R104=0.08,
    L309=0.08,
    Z000=0.12,
    N390=0.08,
    R51=0.07,
    F411=0.07,
    K219=0.08,
    J209=0.05,
    R05=0.05,
)
AE_GENERIC = pool(
    R074=0.15,
    S099=0.1,
    S619=0.1,
    S934=0.08,
    R104=0.12,
    T149=0.08,
    J069=0.07,
    R55=0.06,
    S009=0.06,
    S525=0.05,
    R51=0.05,
    L031=0.04,
    N390=0.04,
)

_ALL_POOLS: tuple[CodePool, ...] = (
    *REGISTER_CODES.values(),
    ACUTE_ACSC_ADMISSION, SOMETIMES_AVOIDABLE_ADMISSION, NOT_AVOIDABLE_ADMISSION,
    FRAILTY_SECONDARY, DIABETES_COMPLICATION, METASTASIS, LIVER_DISEASE, HEMIPLEGIA,
    GP_GENERIC, AE_GENERIC,
)  # fmt: skip

VOCABULARY: tuple[str, ...] = tuple(
    sorted({c for p in _ALL_POOLS for c in p.codes} | set(CHRONIC_ACSC_ADMISSION.values()))
)
CODE_ID: dict[str, int] = {code: i for i, code in enumerate(VOCABULARY)}


def pool_ids(p: CodePool) -> npt.NDArray[np.int32]:
    """Vocabulary ids of a pool's codes."""
    return np.array([CODE_ID[c] for c in p.codes], dtype=np.int32)


def draw_codes(rng: np.random.Generator, p: CodePool, size: int) -> npt.NDArray[np.int32]:
    """Draw vocabulary ids from a pool."""
    return pool_ids(p)[rng.choice(len(p.codes), size=size, p=p.probabilities)]


def register_code_matrix() -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Per LTC group, padded code ids and cumulative probabilities for vectorised draws."""
    width = max(len(REGISTER_CODES[g].codes) for g in LTC_GROUPS)
    ids = np.zeros((len(LTC_GROUPS), width), dtype=np.int32)
    cumulative = np.ones((len(LTC_GROUPS), width), dtype=np.float64)
    for i, group in enumerate(LTC_GROUPS):
        p = REGISTER_CODES[group]
        n = len(p.codes)
        ids[i, :n] = pool_ids(p)
        ids[i, n:] = ids[i, n - 1]
        cumulative[i, :n] = np.cumsum(p.probabilities)
    cumulative[:, -1] = 1.0
    return ids, cumulative
