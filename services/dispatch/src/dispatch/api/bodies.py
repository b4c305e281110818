"""Bodies of the coordinator and clinician calls, checked at the edge (pydantic)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dispatch.domain.vocabulary import DispatchOutcome, Skill


def nhs_number_valid(value: str) -> bool:
    """Modulus 11 check digit of a 10-digit NHS number."""
    if len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(value[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(value[9])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallIn(Strict):
    """A crisis call taken by a coordinator."""

    nhs_number: str = Field(pattern=r"^\d{10}$")
    postcode: str = Field(min_length=5, max_length=10)
    easting: float | None = None
    northing: float | None = None
    reason: str = Field(min_length=1, max_length=1000)
    skills_needed: list[Skill] = Field(default_factory=list)
    priority: int = Field(
        default=2,
        ge=1,
        le=3,
        description="clinical priority within the 2-hour standard: 1 highest, 2 usual, 3 lowest "
        "(weights the plan; every request keeps its 120-minute deadline and ages so none starve)",
    )
    high_risk: bool = False
    care_plan_alerts_ref: str | None = Field(default=None, max_length=256)
    received_at: datetime | None = None

    @field_validator("nhs_number")
    @classmethod
    def _check_digit(cls, value: str) -> str:
        if not nhs_number_valid(value):
            raise ValueError("NHS number fails the Modulus 11 check")
        return value


class AssignIn(Strict):
    clinician_id: str = Field(min_length=1, max_length=64)


class ReassignIn(Strict):
    clinician_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class CompleteIn(Strict):
    outcome: DispatchOutcome


class ReasonIn(Strict):
    reason: str = Field(default="", max_length=500)
