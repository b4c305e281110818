"""Shared builders for dispatch domain tests, as factory fixtures (no cross-test imports)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from dispatch.domain.geography import GridPoint, Location
from dispatch.domain.requests import RapidResponse
from dispatch.domain.roster import Clinician, Shift

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
SHREWSBURY = GridPoint(349_490, 313_121)
ALL = frozenset({"prescribing", "catheter", "iv", "wound-care"})


@pytest.fixture
def new_request() -> Callable[..., RapidResponse]:
    def build(
        request_id: str = "R1",
        *,
        at: datetime = T0,
        where: GridPoint = SHREWSBURY,
        skills: frozenset[str] = frozenset({"prescribing"}),
        priority: int = 2,
        high_risk: bool = False,
    ) -> RapidResponse:
        return RapidResponse(
            id=request_id,
            patient_ref="pk-123",
            received_at=at,
            location=Location("SY1 1AA", where.easting, where.northing),
            reason="fall, unable to get up",
            skills_needed=skills,
            priority=priority,
            high_risk=high_risk,
        )

    return build


@pytest.fixture
def new_clinician() -> Callable[..., Clinician]:
    def build(clinician_id: str = "C1", **kw: Any) -> Clinician:
        return Clinician(
            id=clinician_id,
            name=f"ANP {clinician_id}",
            skills=kw.get("skills", ALL),
            shift=Shift(kw.get("start", T0.replace(hour=8)), kw.get("end", T0.replace(hour=20))),
            base=kw.get("base", SHREWSBURY),
        )

    return build
