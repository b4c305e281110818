"""Programme modelling: the seed's tables from the seed's inputs, or from a population's own."""

from dataclasses import asdict
from typing import Any

from fastapi.encoders import jsonable_encoder

from stratification.domain.avoidability import Avoidability
from stratification.domain.population import SyntheticPopulation, nel_baseline
from stratification.domain.programme_inputs import ModellingInputs
from stratification.domain.programme_modelling import ProgrammeModel, compute_programme_model


def seed_model() -> ProgrammeModel:
    return compute_programme_model(ModellingInputs())


def population_model(population: SyntheticPopulation) -> ProgrammeModel:
    """The same computation on a population's counts (65+, LTCs, NEL by avoidability)."""
    baseline = nel_baseline(population, population.financial_years[-1])
    return compute_programme_model(
        ModellingInputs.from_counts(
            aged_65_plus=baseline.aged_65_plus_by_locality,
            aged_65_plus_with_ltc=baseline.aged_65_plus_with_ltc,
            nel_by_ltc_count=baseline.nel_by_ltc_count,
            nel_unavoidable=baseline.nel_by_avoidability[Avoidability.NOT],
            nel_sometimes_avoidable=baseline.nel_by_avoidability[Avoidability.SOMETIMES],
            nel_usually_avoidable=baseline.nel_by_avoidability[Avoidability.USUALLY],
        )
    )


def as_json(model: ProgrammeModel) -> dict[str, Any]:
    data: dict[str, Any] = jsonable_encoder(asdict(model))
    return data
