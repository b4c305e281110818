"""The consumer keeps its in-memory caseloads between batches only while nothing else wrote.

And an upstream replay of an accepted referral whose case has since closed opens nothing.
"""

import uuid

import pytest
import sqlalchemy as sa

from caseload.adapters import tables
from caseload.domain.vocabulary import Locality
from caseload.service_layer.state import locked_caseloads, repository
from cch_devstack.testing import eventually, publish

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


async def test_kept_caseloads_follow_an_entered_in_error_referral_and_a_correction(
    infra, caseload, lead, worker, bus
):
    """The consumer's kept domain releases capacity exactly as a fresh load from the tables."""
    from datetime import UTC, datetime, timedelta

    from caseload.service_layer import state
    from cch_contracts.events.referrals import ReferralStatusChanged
    from cch_contracts.vocabulary import NeedLevel

    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        r = await client.post(
            "/case-managers",
            headers=lead,
            json={
                "manager_id": "ks-c-pharmacist",
                "name": "Kept State Pharmacist",
                "profession": "pharmacist",
                "team_id": "it-cm-central",
                "capacity_points": 2,  # one High-tier case
            },
        )
        assert r.status_code == 201, r.text
        held = bus.accepted(locality="central", need="medicines")
        waits = bus.accepted(locality="central", need="medicines")
        # one after the other: two patients' events may sit on different partitions
        await publish(infra, held, key=held.patient_key)
        first = await bus.case_for(client, worker, held.referral_id)
        await publish(infra, waits, key=waits.patient_key)
        second = await bus.case_for(client, worker, waits.referral_id)
        assert first["case_manager_id"] == "ks-c-pharmacist" and second["status"] == "waiting"

        in_error = ReferralStatusChanged(
            referral_id=held.referral_id,
            patient_key=held.patient_key,
            previous_status="completed",
            status="entered-in-error",
            standing_decision="include",
            reason="wrong patient selected",
            changed_by="Referrals Clerk",
            changed_at=datetime.now(UTC),
        )
        await publish(infra, in_error, key=held.patient_key)

        async def placed():
            r = await client.get(f"/cases/{second['case_id']}", headers=worker)
            return r.json()

        now_held = await eventually(placed, until=lambda c: c["status"] == "active")
        assert now_held["case_manager_id"] == "ks-c-pharmacist"

        # the pharmacist is full again: the next medicines patient waits (the kept ledger knows)
        third = bus.accepted(locality="central", need="medicines")
        await publish(infra, third, key=third.patient_key)
        assert (await bus.case_for(client, worker, third.referral_id))["status"] == "waiting"
        # a correction to moderate frees the pharmacist: the waiting patient is placed
        moderate = waits.model_copy(
            update={
                "need_level": NeedLevel.MODERATE,
                "decided_at": waits.decided_at + timedelta(hours=1),
            }
        )
        await publish(infra, moderate, key=waits.patient_key)
        third_case = await bus.case_for(client, worker, third.referral_id)

        async def third_placed():
            r = await client.get(f"/cases/{third_case['case_id']}", headers=worker)
            return r.json()

        assert (await eventually(third_placed, until=lambda c: c["status"] == "active"))[
            "case_manager_id"
        ] == "ks-c-pharmacist"

        runtime = client._transport.app.state.runtime
        async with runtime.uow() as uow:
            carried = state._carried.get(state._database(uow))
            stamp, _ = await repository(uow).generation()
            kept = await locked_caseloads(uow, ALL)
            assert carried is not None and carried.valid_for == stamp  # the consumer wrote last
            assert kept is carried.caseloads  # ... so its domain was reused
            repo = repository(uow)
            fresh = await repo.caseloads(await repo.workforce())
            for manager in ("ks-c-pharmacist", "it-n-nurse", "it-n-matron", "it-c-nurse"):
                assert kept.ledger.load_of(manager) == fresh.ledger.load_of(manager)
            assert kept.ledger.open_cases() == fresh.ledger.open_cases()
            assert kept.ledger.open_case_for(held.patient_key) is None
            assert sorted(e.case_id for e in kept.waiting.ordered()) == sorted(
                e.case_id for e in fresh.waiting.ordered()
            )
            await uow.rollback()
