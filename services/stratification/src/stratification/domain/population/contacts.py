"""GP contacts and A&E attendances: the everyday activity a risk model sees before an admission."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .admissions import Admissions, YearCohort
from .clinical_codes import AE_GENERIC, GP_GENERIC, draw_codes
from .morbidity import Registers

REGISTER_CODED_GP_SHARE = 0.55


@dataclass(frozen=True, slots=True)
class Contacts:
    """One row per contact."""

    person: npt.NDArray[np.int32]
    date: npt.NDArray[np.datetime64]
    primary: npt.NDArray[np.int32]


def _random_days(
    rng: np.random.Generator, cohort: YearCohort, size: int
) -> npt.NDArray[np.datetime64]:
    offsets = rng.integers(0, cohort.year.days, size=size).astype("timedelta64[D]")
    return np.datetime64(cohort.year.start, "D") + offsets


def gp_contacts(rng: np.random.Generator, cohort: YearCohort, registers: Registers) -> Contacts:
    """GP contacts rise with conditions and frailty; many code the register being reviewed."""
    rate = 1.0 + 0.5 * cohort.ltc_count + 0.6 * np.sqrt(np.minimum(cohort.risk, 25.0))
    person = np.repeat(np.arange(len(rate), dtype=np.int32), rng.poisson(rate))
    day = _random_days(rng, cohort, len(person))
    primary = draw_codes(rng, GP_GENERIC, len(person))
    if len(registers.person) == 0:
        return Contacts(person=person, date=day, primary=primary)
    per_person = np.bincount(registers.person, minlength=len(rate))
    first = np.cumsum(per_person) - per_person
    held = per_person[person]
    pick = first[person] + np.floor(rng.random(len(person)) * np.maximum(held, 1)).astype(np.int64)
    use_register = (held > 0) & (rng.random(len(person)) < REGISTER_CODED_GP_SHARE)
    pick = np.where(use_register, pick, 0)
    use_register &= registers.diagnosed[pick] <= day
    primary[use_register] = registers.code[pick[use_register]]
    return Contacts(person=person, date=day, primary=primary)


def ae_attendances(
    rng: np.random.Generator, cohort: YearCohort, admissions: Admissions
) -> Contacts:
    """Every admission arrives through A&E; others attend and go home."""
    rate = 0.2 * np.minimum(cohort.risk, 25.0) ** 0.6
    person = np.repeat(np.arange(len(rate), dtype=np.int32), rng.poisson(rate))
    return Contacts(
        person=np.concatenate([person, admissions.person]),
        date=np.concatenate([_random_days(rng, cohort, len(person)), admissions.date]),
        primary=np.concatenate([draw_codes(rng, AE_GENERIC, len(person)), admissions.primary]),
    )
