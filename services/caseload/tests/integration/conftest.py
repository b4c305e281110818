"""Caseload in-process against the real Postgres and broker, with a clock the tests move."""

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from caseload.main import create_app
from cch_contracts.clock import FakeClock
from cch_contracts.events.referrals import ReferralAccepted
from cch_contracts.topics import Topic
from cch_devstack.testing import eventually, service_app, topic_events

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def caseload(infra, clock):
    """Start the service (scan once an hour: tests drive the schedule themselves)."""

    @asynccontextmanager
    async def run():
        async with service_app(
            infra, "caseload", lambda: create_app(clock), CASELOAD_REVIEW_SCAN_SECONDS="3600"
        ) as client:
            yield client

    return run


@pytest.fixture(scope="session")
def lead(token_for) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for('team-lead', subject='lead-1')}"}


@pytest.fixture(scope="session")
def worker(token_for) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for('case-manager', practitioner_id='cm-tester')}"}


def accepted(
    *,
    need_level: str = "severe",
    locality: str = "north",
    tier: str | None = "high",
    need: str | None = "nursing",
    nhs_number: str | None = None,
) -> ReferralAccepted:
    n = uuid.uuid4().hex[:10]
    return ReferralAccepted(
        referral_id=f"ref-{n}",
        patient_key=f"pk-{n}",
        nhs_number=nhs_number,
        need_level=need_level,
        locality=locality,
        practice_code=None,
        tier=tier,
        most_pressing_need=need,
        decided_by="mdt-north",
        decided_at=datetime.now(UTC),
    )


CASELOAD_TOPIC = Topic.CASELOAD.value


@pytest.fixture(scope="session")
def bus():
    """Upstream events to publish (with cch_devstack.testing.publish), caseload's topic, and a
    small named workforce with a way to wait for a referral's case."""
    from types import SimpleNamespace

    return SimpleNamespace(
        accepted=accepted,
        topic_payloads=topic_events,
        ensure_workforce=ensure_workforce,
        case_for=case_for,
        CASELOAD_TOPIC=CASELOAD_TOPIC,
    )


async def ensure_workforce(client, lead) -> None:
    """Three localities' integrated care teams and a small named workforce (once)."""
    for loc in ("north", "central", "south"):
        await client.post(
            "/teams",
            headers=lead,
            json={
                "team_id": f"ict-{loc}",
                "name": f"{loc} ICT",
                "locality": loc,
                "kind": "integrated-care",
            },
        )
        await client.post(
            "/teams",
            headers=lead,
            json={"team_id": f"it-cm-{loc}", "name": f"{loc} case management", "locality": loc},
        )
    for manager_id, profession, team, capacity in (
        ("it-n-nurse", "community-nurse", "it-cm-north", 400),
        ("it-n-matron", "community-matron", "it-cm-north", 400),
        ("it-c-nurse", "community-nurse", "it-cm-central", 400),
        ("it-s-social", "social-worker", "it-cm-south", 4),
    ):
        r = await client.post(
            "/case-managers",
            headers=lead,
            json={
                "manager_id": manager_id,
                "name": manager_id.replace("-", " ").title(),
                "profession": profession,
                "team_id": team,
                "capacity_points": capacity,
            },
        )
        assert r.status_code in (201, 409), r.text


async def case_for(client, headers, referral_id):
    async def probe():
        r = await client.get("/cases", params={"referral_id": referral_id}, headers=headers)
        return r.json()["items"]

    items = await eventually(probe, what=f"case for {referral_id}")
    return items[0]
