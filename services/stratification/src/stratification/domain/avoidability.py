"""Classify NEL admissions by primary diagnosis as usually, sometimes or not avoidable."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .icd10_codes import expand_ranges, longest_prefix_lookup


class Avoidability(enum.IntEnum):
    """The seed's three classes of 65+ NEL admissions."""

    NOT = 0
    SOMETIMES = 1
    USUALLY = 2

    @property
    def label(self) -> str:
        """Wording of the seed tables."""
        return {0: "not avoidable", 1: "sometimes avoidable", 2: "usually avoidable"}[self.value]


# NHS Outcomes Framework 2.3.i: unplanned hospitalisation for chronic ambulatory care sensitive
# conditions (primary diagnosis), ICD-10 3- and 4-character codes.
CHRONIC_ACSC: tuple[str, ...] = (
    "I20", "I240", "I248", "I249", "I251", "I256", "I258", "I259",  # angina
    "J45", "J46",  # asthma
    "I110", "I50", "J81",  # congestive heart failure
    "G40", "G41", "R56", "O15",  # convulsions and epilepsy
    "J41", "J42", "J43", "J44", "J47",  # COPD
    "F00", "F01", "F02", "F03",  # dementia
    *(f"E1{d}{s}" for d in "01234" for s in "012345678"),  # diabetes complications
    "I10", "I119",  # hypertension
    "I48",  # atrial fibrillation and flutter
    "D501", "D508", "D509",  # iron deficiency anaemia
    "E40", "E41", "E42", "E43", "E550", "E643",  # nutritional deficiencies
)  # fmt: skip

# NHS Outcomes Framework 3a: emergency admissions for acute conditions that should not usually
# require hospital admission.
ACUTE_ACSC: tuple[str, ...] = (
    "H66", "H67", "J02", "J03", "J06", "J312",  # ear, nose and throat infections
    "K02", "K03", "K04", "K05", "K06", "K08", "K098", "K099", "K12", "K13",  # dental conditions
    "R02",  # gangrene
    "N10", "N11", "N12", "N136", "N390",  # pyelonephritis and urinary tract infection
    *(f"K2{d}{s}" for d in "5678" for s in "012456"),  # perforated or bleeding ulcer
    "L03", "L04", "L080", "L088", "L089", "L88", "L980",  # cellulitis
    "N70", "N73", "N74",  # pelvic inflammatory disease
    "J10", "J11", "J13", "J14", "J153", "J154", "J157", "J159", "J168", "J181", "J188",  # flu
    "E86", "K522", "K528", "K529", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09",  # fluids
)  # fmt: skip

# Local 'sometimes avoidable' list (CCG clinical review of the Optimity codes): admissions that
# community crisis response can often, not always, keep at home.
SOMETIMES_AVOIDABLE: tuple[str, ...] = (
    *expand_ranges(["S00-S09"]), "S22", "S32", "S42", "S52", "S72", "S82", "T14",  # falls injuries
    "R296", "R26", "R54", "R55", "W19",  # falls, gait, frailty, collapse
    "F05", "R41",  # delirium and confusion
    "E87", "E870", "E871",  # fluid and electrolyte disturbance other than plain dehydration
    "J180", "J189", "J22", "J20",  # unspecified pneumonia and lower respiratory infection
    "L89", "L97",  # pressure and leg ulcers
    "N17", "R33", "R32",  # acute kidney injury, retention, incontinence
    "R06", "R50", "R63", "R11", "K59",  # breathlessness, fever, poor intake, vomiting, constipation
    "T83",  # catheter complications
)  # fmt: skip

AVOIDABILITY_PREFIXES: dict[str, int] = {
    **{code: Avoidability.SOMETIMES for code in SOMETIMES_AVOIDABLE},
    **{code: Avoidability.USUALLY for code in (*CHRONIC_ACSC, *ACUTE_ACSC)},
}


def avoidability_of_codes(codes: Sequence[str]) -> npt.NDArray[np.int8]:
    """Class per normalised code by its longest listed prefix; unlisted codes are not avoidable."""
    found = longest_prefix_lookup(codes, AVOIDABILITY_PREFIXES, missing=Avoidability.NOT)
    return found.astype(np.int8)


def classify_admissions(
    primary: npt.NDArray[np.int32], codes: Sequence[str]
) -> npt.NDArray[np.int8]:
    """Avoidability of each admission from its primary diagnosis id (one lookup per code)."""
    return avoidability_of_codes(codes)[primary]
