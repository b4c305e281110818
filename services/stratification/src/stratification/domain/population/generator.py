"""Seeded, deterministic synthetic Shropshire population: registry plus coded activity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..patient_activity import EventKind, EventTable, age_in_years
from .admissions import Admissions, YearCohort, admissions_for_year
from .clinical_codes import VOCABULARY
from .contacts import Contacts, ae_attendances, gp_contacts
from .demography import draw_ages, draw_birth_dates, draw_sex
from .financial_years import DEFAULT_FINANCIAL_YEARS, FinancialYear
from .gazetteer import PostcodeGazetteer, load_shropshire_postcodes
from .localities import aged_65_plus_split, exact_shares, locality_of_postcodes
from .morbidity import (
    Registers,
    draw_ltc_counts,
    draw_registers,
    frailty_scale,
    latent_frailty,
    register_masks,
)
from .nhs_numbers import generate_nhs_numbers
from .practices import DEFAULT_PRACTICE_COUNT, Practices, build_practices
from .secondary_diagnoses import secondary_diagnoses

DEFAULT_SIZE = 310_000
DEFAULT_SEED = 20180815
# Year-to-year persistence and spread of each person's deviation from their latent frailty.
RISK_PERSISTENCE = 0.6
RISK_YEAR_NOISE = 0.45


@dataclass(frozen=True, slots=True)
class SyntheticPopulation:
    """Column arrays, row i = person i; `true_risk` is hidden truth, only for evaluation."""

    nhs_number: npt.NDArray[np.int64]
    sex: npt.NDArray[np.int8]
    birth_date: npt.NDArray[np.datetime64]
    practice: npt.NDArray[np.int16]
    locality: npt.NDArray[np.int8]
    postcode_index: npt.NDArray[np.int32]
    practices: Practices
    gazetteer: PostcodeGazetteer
    financial_years: tuple[FinancialYear, ...]
    latent_frailty: npt.NDArray[np.float64]
    true_risk: npt.NDArray[np.float32]
    registers: Registers
    events: EventTable
    nel_avoidability: npt.NDArray[np.int8]

    @property
    def size(self) -> int:
        """Number of registered people."""
        return len(self.nhs_number)

    @property
    def census_date(self) -> np.datetime64:
        """Start of the last financial year, when the 65+ count matches the seed."""
        return np.datetime64(self.financial_years[-1].start, "D")

    @property
    def easting(self) -> npt.NDArray[np.float64]:
        """Easting of each person's postcode."""
        return self.gazetteer.easting[self.postcode_index]

    @property
    def northing(self) -> npt.NDArray[np.float64]:
        """Northing of each person's postcode."""
        return self.gazetteer.northing[self.postcode_index]

    def practice_codes(self) -> npt.NDArray[np.str_]:
        """Practice code of each person."""
        return np.asarray(self.practices.code, dtype=np.str_)[self.practice]


def _register_people(
    rng: np.random.Generator,
    size: int,
    ages: npt.NDArray[np.int64],
    practices: Practices,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int16], npt.NDArray[np.int32]]:
    """Exact locality shares within the under-65s and the 65+, then practices and home postcodes."""
    locality = np.empty(size, dtype=np.int8)
    older = np.flatnonzero(ages >= 65)
    older_counts = aged_65_plus_split(len(older))
    for group, counts in (
        (np.flatnonzero(ages < 65), exact_shares(size) - older_counts),
        (older, older_counts),
    ):
        bounds = np.cumsum(counts)[:-1]
        for code, members in enumerate(np.split(rng.permutation(group), bounds)):
            locality[members] = code
    practice = np.empty(size, dtype=np.int16)
    for code in range(3):
        members = np.flatnonzero(locality == code)
        local_practices = np.flatnonzero(practices.locality == code)
        list_size_weight = rng.lognormal(0.0, 0.45, size=len(local_practices))
        practice[members] = local_practices[
            rng.choice(
                len(local_practices), size=len(members), p=list_size_weight / list_size_weight.sum()
            )
        ]
    slot = rng.integers(0, practices.catchment.shape[1], size=size)
    postcode = practices.catchment[practice, slot].astype(np.int32)
    return locality, practice, postcode


def _year_risks(
    rng: np.random.Generator,
    z: npt.NDArray[np.float64],
    ages_by_year: list[npt.NDArray[np.int64]],
) -> npt.NDArray[np.float32]:
    """Each year's true admission risk: latent frailty times a persistent personal deviation."""
    risks = np.empty((len(z), len(ages_by_year)), dtype=np.float32)
    deviation = rng.normal(0.0, RISK_YEAR_NOISE, size=len(z))
    for i, ages in enumerate(ages_by_year):
        if i:
            innovation = rng.normal(
                0.0, RISK_YEAR_NOISE * np.sqrt(1 - RISK_PERSISTENCE**2), size=len(z)
            )
            deviation = RISK_PERSISTENCE * deviation + innovation
        risks[:, i] = frailty_scale(ages, z) * np.exp(deviation)
    return risks


def _person_day_order(
    person: npt.NDArray[np.int32],
    day: npt.NDArray[np.datetime64],
    kind: npt.NDArray[np.int8],
    primary: npt.NDArray[np.int32],
) -> npt.NDArray[np.int64]:
    """Order by person, day, kind, code; drop repeats of a non-admission contact on one day."""
    day_number = np.clip((day - np.datetime64("1900-01-01", "D")).astype(np.int64), 0, 2**16 - 1)
    key = (
        person.astype(np.int64) << 30
        | day_number << 14
        | kind.astype(np.int64) << 12
        | primary.astype(np.int64)
    )
    order = np.argsort(key)
    sorted_key = key[order]
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = sorted_key[1:] == sorted_key[:-1]
    repeat &= kind[order] != EventKind.NEL
    kept: npt.NDArray[np.int64] = order[~repeat]
    return kept


def _event_table(
    n_people: int,
    registers: Registers,
    gp: list[Contacts],
    ae: list[Contacts],
    admissions: list[Admissions],
    secondary: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]],
) -> tuple[EventTable, npt.NDArray[np.int8]]:
    """Stack every source into one table sorted by person then date, with secondaries."""
    parts_person = [registers.person, *(c.person for c in gp), *(c.person for c in ae)]
    parts_date = [registers.diagnosed, *(c.date for c in gp), *(c.date for c in ae)]
    parts_code = [registers.code, *(c.primary for c in gp), *(c.primary for c in ae)]
    kinds = [
        np.full(len(registers.person), EventKind.CONDITION, dtype=np.int8),
        *(np.full(len(c.person), EventKind.GP, dtype=np.int8) for c in gp),
        *(np.full(len(c.person), EventKind.AE, dtype=np.int8) for c in ae),
    ]
    n_before_nel = sum(len(p) for p in parts_person)
    person = np.concatenate([*parts_person, *(a.person for a in admissions)]).astype(np.int32)
    day = np.concatenate([*parts_date, *(a.date for a in admissions)]).astype("datetime64[D]")
    primary = np.concatenate([*parts_code, *(a.primary for a in admissions)]).astype(np.int32)
    kind = np.concatenate(
        [*kinds, *(np.full(len(a.person), EventKind.NEL, np.int8) for a in admissions)]
    )
    avoidability = np.full(len(person), -1, dtype=np.int8)
    avoidability[n_before_nel:] = np.concatenate([a.avoidability for a in admissions])

    adm_row, adm_code = secondary
    counts = np.zeros(len(person), dtype=np.int64)
    counts[n_before_nel:] = np.bincount(adm_row, minlength=len(person) - n_before_nel)
    order = _person_day_order(person, day, kind, primary)
    counts_sorted = counts[order]
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(counts_sorted, out=offsets[1:])
    old_starts = np.cumsum(counts) - counts
    gather = np.repeat(old_starts[order] - offsets[:-1], counts_sorted) + np.arange(offsets[-1])
    table = EventTable(
        n_people=n_people,
        person=person[order],
        date=day[order],
        kind=kind[order],
        primary=primary[order],
        secondary_offsets=offsets,
        secondary=adm_code[gather].astype(np.int32),
        codes=VOCABULARY,
    )
    return table, avoidability[order]


def generate_population(
    *,
    size: int = DEFAULT_SIZE,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] = DEFAULT_FINANCIAL_YEARS,
    practice_count: int = DEFAULT_PRACTICE_COUNT,
    gazetteer: PostcodeGazetteer | None = None,
) -> SyntheticPopulation:
    """Same arguments, same county; scales to a million people in seconds."""
    rng = np.random.default_rng(seed)
    financial_years = tuple(FinancialYear(y) for y in sorted(years))
    census = financial_years[-1].start
    window_end = financial_years[-1].last_day_exclusive()
    gazetteer = gazetteer if gazetteer is not None else load_shropshire_postcodes()

    ages = draw_ages(rng, size)
    sex = draw_sex(rng, ages)
    birth_date = draw_birth_dates(rng, ages, census)
    practices = build_practices(
        rng, gazetteer, locality_of_postcodes(gazetteer), count=practice_count
    )
    locality, practice, postcode = _register_people(rng, size, ages, practices)
    nhs_number = generate_nhs_numbers(rng, size)

    z = latent_frailty(rng, ages)
    registers = draw_registers(
        rng,
        ages=ages,
        birth_date=birth_date,
        ltc_counts=draw_ltc_counts(rng, ages, z),
        window_end=window_end,
    )
    ages_by_year = [age_in_years(birth_date, fy.start) for fy in financial_years]
    true_risk = _year_risks(rng, z, ages_by_year)
    full_mask = register_masks(registers, size)

    gp: list[Contacts] = []
    ae: list[Contacts] = []
    admissions: list[Admissions] = []
    secondary_rows: list[npt.NDArray[np.int64]] = []
    secondary_codes: list[npt.NDArray[np.int32]] = []
    admitted_so_far = 0
    for i, fy in enumerate(financial_years):
        mask = register_masks(registers, size, before=np.datetime64(fy.start, "D"))
        cohort = YearCohort(
            year=fy,
            age=ages_by_year[i],
            ltc_count=np.bitwise_count(mask.astype(np.uint64)).astype(np.int64),
            ltc_mask=mask,
            risk=true_risk[:, i].astype(np.float64),
        )
        year_admissions = admissions_for_year(rng, cohort)
        rows, codes = secondary_diagnoses(
            rng,
            person=year_admissions.person,
            day=year_admissions.date,
            age=cohort.age[year_admissions.person],
            risk=cohort.risk[year_admissions.person],
            registers=registers,
            group_mask=full_mask,
        )
        secondary_rows.append(rows + admitted_so_far)
        secondary_codes.append(codes)
        admitted_so_far += len(year_admissions.person)
        admissions.append(year_admissions)
        gp.append(gp_contacts(rng, cohort, registers))
        ae.append(ae_attendances(rng, cohort, year_admissions))

    events, avoidability = _event_table(
        size,
        registers,
        gp,
        ae,
        admissions,
        (np.concatenate(secondary_rows), np.concatenate(secondary_codes)),
    )
    return SyntheticPopulation(
        nhs_number=nhs_number,
        sex=sex,
        birth_date=birth_date,
        practice=practice,
        locality=locality,
        postcode_index=postcode,
        practices=practices,
        gazetteer=gazetteer,
        financial_years=financial_years,
        latent_frailty=z,
        true_risk=true_risk,
        registers=registers,
        events=events,
        nel_avoidability=avoidability,
    )
