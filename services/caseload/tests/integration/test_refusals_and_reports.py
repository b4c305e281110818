"""Refused overrides and transfers change nothing; reports compare localities with the model."""

import pytest

from cch_devstack.testing import publish

pytestmark = pytest.mark.integration


async def _north_case(client, infra, bus, lead, worker) -> dict:
    await bus.ensure_workforce(client, lead)
    referral = bus.accepted(locality="north", tier="high")
    await publish(infra, referral, key=referral.patient_key)
    case = await bus.case_for(client, worker, referral.referral_id)
    assert case["status"] == "active" and case["case_manager_id"] in ("it-n-nurse", "it-n-matron")
    return case


async def _unchanged(client, worker, case) -> None:
    now = (await client.get(f"/cases/{case['case_id']}", headers=worker)).json()
    assert now["status"] == case["status"]
    assert now["case_manager_id"] == case["case_manager_id"]
    assert now["next_review_on"] == case["next_review_on"]
    assert now["reviews"] == []


async def test_an_override_or_transfer_to_an_unknown_case_manager_is_404(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        case = await _north_case(client, infra, bus, lead, worker)
        override = await client.post(
            f"/cases/{case['case_id']}/override",
            headers=lead,
            json={"case_manager_id": "nobody-here", "reason": "continuity of care"},
        )
        assert override.status_code == 404
        assert override.json()["type"].endswith("unknown-case-manager")
        transfer = await client.post(
            f"/cases/{case['case_id']}/reviews",
            headers=worker,
            json={"outcome": "transfer", "transfer_to_case_manager": "nobody-here"},
        )
        assert transfer.status_code == 404
        await _unchanged(client, worker, case)


async def test_a_transfer_out_of_the_locality_needs_its_own_reason(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        case = await _north_case(client, infra, bus, lead, worker)
        refused = await client.post(
            f"/cases/{case['case_id']}/reviews",
            headers=worker,
            json={
                "outcome": "transfer",
                "transfer_to_case_manager": "it-c-nurse",
                "notes": "moving house",
            },
        )
        assert refused.status_code == 422
        assert refused.json()["type"].endswith("out-of-locality-needs-reason")
        await _unchanged(client, worker, case)
        moved = await client.post(
            f"/cases/{case['case_id']}/reviews",
            headers=worker,
            json={
                "outcome": "transfer",
                "transfer_to_case_manager": "it-c-nurse",
                "notes": "moving house",
                "out_of_locality_reason": "lives with daughter in Shrewsbury until spring",
            },
        )
        assert moved.status_code == 201, moved.text
        assert moved.json()["case_manager_id"] == "it-c-nurse"


async def test_reports_compare_each_locality_with_the_seed_s_modelled_numbers(
    infra, caseload, lead, worker, bus, token_for
):
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)

        async def report(**params) -> dict:
            r = await client.get("/reports/caseloads", headers=commissioner, params=params)
            assert r.status_code == 200, r.text
            return r.json()

        before = await report()
        modelled = {row["locality"]: row["modelled"] for row in before["by_locality"]}
        assert modelled == {"north": 2782, "central": 2656, "south": 3355, "county": 8793}
        year = await report(basis="2019/20")
        assert {r["locality"]: r["modelled"] for r in year["by_locality"]} == {
            "north": 1430,
            "central": 1510,
            "south": 1490,
            "county": 4430,
        }

        case = await _north_case(client, infra, bus, lead, worker)
        after = await report()

        def north(r: dict) -> dict:
            return next(row for row in r["by_locality"] if row["locality"] == "north")

        def manager(r: dict) -> dict:
            rows = r["by_case_manager"]
            return next(row for row in rows if row["manager_id"] == case["case_manager_id"])

        assert north(after)["named_case_manager"] == north(before)["named_case_manager"] + 1
        assert manager(after)["load_points"] == manager(before)["load_points"] + case["weight"]
        assert (
            await client.get("/reports/caseloads", headers=commissioner, params={"basis": "2030"})
        ).status_code == 422
