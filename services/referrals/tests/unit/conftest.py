"""Fixtures for the referrals domain: a fake clock, valid NHS numbers and referral factories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from referrals.domain.clock import FakeClock
from referrals.domain.crisis import CrisisDetails
from referrals.domain.patients import PatientIdentity
from referrals.domain.reasons import CodedReason, snomed
from referrals.domain.references import Reference, organisation, practitioner
from referrals.domain.referral_requests import ReferralRequest, ReferrerIdentifier
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import Locality, Priority, ReferralRoute, Tier

START = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
COPD = snomed("13645005", "Chronic obstructive lung disease")
GP_SYSTEM = "https://gp.example.nhs.uk/Id/referral"


def nhs_number(prefix: int) -> str:
    """A valid NHS number from a 9-digit prefix (the next prefix when the check digit is 10)."""
    while True:
        digits = f"{prefix:09d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return digits + str(check)
        prefix += 1


def patient(n: int = 1) -> PatientIdentity:
    return PatientIdentity(f"pk-{n}", nhs_number(943476590 + n * 7))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


MakeRequest = Callable[..., ReferralRequest]


@pytest.fixture
def request_for() -> MakeRequest:
    """Build a referral request; defaults are a routine GP referral for patient 1."""
    ids = count(1)

    def make(
        *,
        who: PatientIdentity | None = None,
        route: ReferralRoute = ReferralRoute.GP,
        priority: Priority = Priority.ROUTINE,
        requester: Reference | None = None,
        authored_on: datetime = START - timedelta(hours=2),
        reasons: tuple[CodedReason, ...] = (COPD,),
        practice_code: str | None = "M82001",
        locality: Locality | None = Locality.NORTH,
        identifier: ReferrerIdentifier | bool | None = True,
        crisis: CrisisDetails | None = None,
        tier: Tier | None = None,
        **extra: Any,
    ) -> ReferralRequest:
        if identifier is True:
            identifier = ReferrerIdentifier(GP_SYSTEM, f"R-{next(ids)}")
        if priority is Priority.URGENT and crisis is None:
            crisis = CrisisDetails("SY3 8XQ", "Fallen at home, cannot get up")
        return ReferralRequest(
            patient=who or patient(),
            route=route,
            requester=requester
            or (
                organisation("cch-risk")
                if route is ReferralRoute.PREDICTIVE
                else practitioner("g1")
            ),
            authored_on=authored_on,
            priority=priority,
            reasons=reasons,
            practice_code=practice_code,
            locality=locality,
            referrer_identifier=identifier or None,
            crisis=crisis,
            tier=tier,
            **extra,
        )

    return make


MakeReferral = Callable[..., Referral]


@pytest.fixture
def referral_for(request_for: MakeRequest, clock: FakeClock) -> MakeReferral:
    """Open a referral received now; each call a new id."""
    ids = count(1)

    def make(**kwargs: Any) -> Referral:
        return Referral.open(
            request_for(**kwargs), referral_id=f"ref-{next(ids)}", received_at=clock.now()
        )

    return make
