"""Events from the stratification service."""

from datetime import datetime

from pydantic import Field

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic
from cch_contracts.vocabulary import Locality, Tier

_P = "stratification"


@event("cch.patient.tier-changed.v1", topic=Topic.STRATIFICATION, producer=_P)
class PatientTierChanged(EventPayload):
    """A run moved a patient to a different risk tier (emitted only on change)."""

    patient_key: str
    nhs_number: str = Field(pattern=r"^\d{10}$")
    practice_code: str
    locality: Locality
    previous_tier: Tier | None
    tier: Tier
    probability: float = Field(ge=0, le=1)
    model_version: str
    run_id: str
    top_factors: list[str] = Field(default_factory=list, max_length=10)
    effective_at: datetime


@event("cch.stratification.run-completed.v1", topic=Topic.STRATIFICATION, producer=_P)
class StratificationRunCompleted(EventPayload):
    """A stratification run finished: counts per tier and per locality."""

    run_id: str
    model_version: str
    snapshot_id: str
    practice_code: str | None
    started_at: datetime
    completed_at: datetime
    patients_scored: int = Field(ge=0)
    tier_changes: int = Field(ge=0)
    counts_by_tier: dict[Tier, int]
    counts_by_locality: dict[Locality, dict[Tier, int]]
