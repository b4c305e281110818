"""The consumer keeps its in-memory caseloads between batches only while nothing else wrote.

And an upstream replay of an accepted referral whose case has since closed opens nothing.
"""

import uuid

import pytest
import sqlalchemy as sa

from caseload.adapters import tables
from caseload.domain.vocabulary import Locality
from caseload.service_layer.state import locked_caseloads, repository
from cch_devstack.testing import publish

pytestmark = pytest.mark.integration
ALL = list(Locality)


def practice() -> str:
    return f"Z{uuid.uuid4().hex[:5].upper()}"


async def test_a_committed_consumer_transaction_hands_its_caseloads_to_the_next(caseload):
    async with caseload() as client:
        runtime = client._transport.app.state.runtime
        async with runtime.uow() as uow:
            first = await locked_caseloads(uow, ALL)
            await repository(uow).map_practice(practice(), Locality.NORTH)
            await uow.commit()
        async with runtime.uow() as uow:
            assert await locked_caseloads(uow, ALL) is first


async def test_a_write_by_anyone_else_makes_the_next_transaction_reload(caseload, lead):
    async with caseload() as client:
        runtime = client._transport.app.state.runtime
        async with runtime.uow() as uow:
            first = await locked_caseloads(uow, ALL)
            await repository(uow).map_practice(practice(), Locality.NORTH)
            await uow.commit()
        code = practice()
        r = await client.put(f"/practices/{code}", headers=lead, json={"locality": "south"})
        assert r.status_code == 200, r.text
        async with runtime.uow() as uow:
            fresh = await locked_caseloads(uow, ALL)
            assert fresh is not first
            assert fresh.workforce.locality_of_practice(code) is Locality.SOUTH


async def test_a_rolled_back_transaction_leaves_nothing_to_reuse(caseload):
    async with caseload() as client:
        runtime = client._transport.app.state.runtime
        async with runtime.uow() as uow:
            first = await locked_caseloads(uow, ALL)
            await repository(uow).map_practice(practice(), Locality.NORTH)
            await uow.rollback()
        async with runtime.uow() as uow:
            assert await locked_caseloads(uow, ALL) is not first


async def test_a_referral_replayed_after_its_case_closed_opens_nothing(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north")
        await publish(infra, referral, key=referral.patient_key)
        case = await bus.case_for(client, worker, referral.referral_id)
        r = await client.post(
            f"/cases/{case['case_id']}/reviews",
            headers=worker,
            json={"outcome": "discharge", "discharge_reason": "patient-choice"},
        )
        assert r.status_code == 201, r.text
        # upstream replays the acceptance (a new event id), then something else follows it
        replay = await publish(infra, referral, key=referral.patient_key)
        marker = bus.accepted(locality="central")
        await publish(infra, marker, key=referral.patient_key)
        await bus.case_for(client, worker, marker.referral_id)
        found = (
            await client.get("/cases", params={"patient_key": referral.patient_key}, headers=worker)
        ).json()
        assert found["total"] == 1 and found["items"][0]["status"] == "discharged"
        async with client._transport.app.state.runtime.sessions() as session:
            outcome = await session.scalar(
                sa.select(tables.inbox.c.outcome).where(tables.inbox.c.event_id == replay)
            )
        assert outcome == "applied"  # a no-op, not a dead letter
