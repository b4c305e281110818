"""Urgent referrals from the referrals service become timed requests, once."""

import uuid
from datetime import UTC, datetime

import pytest

from cch_contracts.events.referrals import CrisisLocation, ReferralUrgent
from cch_devstack.testing import eventually
from dispatch.entrypoints.seed import seed_roster

pytestmark = pytest.mark.integration


def urgent(patient: str, **location) -> ReferralUrgent:
    return ReferralUrgent(
        referral_id=f"ref-{uuid.uuid4().hex[:10]}",
        patient_key=patient,
        received_at=datetime.now(UTC),
        location=CrisisLocation(**location),
        reason="acute confusion",
        skills_needed=["prescribing"],
    )


async def test_urgent_referral_becomes_one_request_even_when_redelivered(
    dispatch, coordinator, kit, infra
):
    async with dispatch() as client:
        patient = f"pk-{uuid.uuid4().hex[:12]}"
        first = urgent(patient, postcode="TF9 3AA", easting=367_000, northing=334_200)
        second_for_same_patient = urgent(patient, postcode="TF9 3AA")
        by_postcode = urgent(f"pk-{uuid.uuid4().hex[:12]}", postcode="WV16 4AA")
        await kit.produce(
            infra,
            kit.REFERRALS_TOPIC,
            [
                (kit.envelope(first), patient),
                (kit.envelope(first), patient),
                (kit.envelope(second_for_same_patient), patient),
                (kit.envelope(by_postcode), by_postcode.patient_key),
            ],
        )

        async def board():
            return (await client.get("/board", headers=coordinator)).json()["requests"]

        wanted = {first.referral_id, by_postcode.referral_id}
        rows = await eventually(
            board,
            until=lambda rs: wanted <= {r["referral_id"] for r in rs},
            what="requests from referrals",
        )
        mine = [r for r in rows if r["referral_id"] == first.referral_id]
        assert len(mine) == 1 and mine[0]["locality"] == "north"
        assert mine[0]["easting"] == 367_000
        located = next(r for r in rows if r["referral_id"] == by_postcode.referral_id)
        assert located["postcode"] == "WV16 4AA" and located["locality"] == "south"
        assert second_for_same_patient.referral_id not in {r["referral_id"] for r in rows}
        # The redelivered referral published nothing more either: one requested event.
        events = await eventually(
            lambda: kit.topic_payloads(
                infra, kit.DISPATCH_TOPIC, lambda b: b.get("subject") == mine[0]["id"]
            ),
            what="requested event",
        )
        assert [e["type"].rsplit(".", 2)[-2] for e in events] == ["requested"]


async def test_seeding_the_roster_twice_adds_it_once(dispatch, coordinator, kit):
    async with dispatch() as client:
        engine = kit.runtime_of(client).engine
        await seed_roster(engine)
        assert await seed_roster(engine) == 0
        board = (await client.get("/board", headers=coordinator)).json()
        ids = {c["id"] for c in board["clinicians"]}
        assert {"anp-shr-1", "anp-osw-1", "anp-mkd-1", "anp-bri-1", "anp-lud-1", "anp-whi-1"} <= ids
