"""County simulation over the API: one at a time, in the background, kept across restarts."""

import pytest

from cch_devstack.testing import eventually
from dispatch.simulation.comparison import as_dicts, compare
from dispatch.simulation.roster_plan import ROSTERS

pytestmark = pytest.mark.integration

TINY = {"demand_multiplier": 2, "days": 2, "seed": 7, "roster": "county-localities-10"}
FIGURES = ("policy", "referrals", "pct_within_120", "mean_min", "median_min", "p90_min", "breaches")


@pytest.fixture(scope="module")
def commissioner(token_for) -> dict[str, str]:
    return {"authorization": f"Bearer {token_for('commissioner', subject='ccg-analyst')}"}


async def finished(client, sid, headers, timeout=120.0):
    return await eventually(
        lambda: client.get(f"/simulations/{sid}", headers=headers),
        until=lambda r: r.json()["status"] in ("done", "failed"),
        timeout=timeout,
        interval=0.5,
        what=f"simulation {sid} to finish",
    )


async def test_a_commissioner_runs_the_county_simulation_and_reads_the_cli_figures(
    dispatch, commissioner, coordinator
):
    async with dispatch() as client:
        started = await client.post("/simulations", json=TINY, headers=commissioner)
        assert started.status_code == 202, started.text
        sid = started.json()["id"]
        assert started.json()["status"] in ("queued", "running")
        assert started.json()["policies"] == ["engine", "closest-idle", "least-slack"]

        second = await client.post("/simulations", json=TINY, headers=coordinator)
        assert second.status_code == 409
        assert second.headers["content-type"].startswith("application/problem+json")
        assert second.json()["type"].endswith("/simulation-busy") and sid in second.json()["detail"]

        listed = (await client.get("/simulations", headers=coordinator)).json()["simulations"]
        assert listed[0]["id"] == sid and listed[0]["requested_by"]

        done = (await finished(client, sid, commissioner)).json()
        assert done["status"] == "done", done["error"]
        assert done["progress_pct"] == 100.0 and done["finished_at"] and done["attempts"] == 1

    # What the CLI prints for the same arrivals, rota and policies.
    cli = as_dicts(compare(scale=2, days=2, seed=7, roster=ROSTERS["county-localities-10"]))
    assert [{k: row[k] for k in FIGURES} for row in done["compliance"]] == [
        {k: row[k] for k in FIGURES} for row in cli
    ]
    assert "% <=120" in done["table"] and "engine" in done["table"]

    async with dispatch() as client:  # a restarted service still has the results
        again = (await client.get(f"/simulations/{sid}", headers=commissioner)).json()
        assert again["compliance"] == done["compliance"]


async def test_a_run_interrupted_by_a_restart_is_run_again_by_the_next_process(
    dispatch, coordinator
):
    body = {**TINY, "days": 1, "seed": 8, "policies": ["closest-idle"]}
    async with dispatch() as client:
        started = await client.post("/simulations", json=body, headers=coordinator)
        assert started.status_code == 202, started.text
        sid = started.json()["id"]
        await eventually(
            lambda: client.get(f"/simulations/{sid}", headers=coordinator),
            until=lambda r: r.json()["status"] == "running",
            what="the run to start",
        )
    # The service stopped mid-run; the run waits in the queue for the next process.
    async with dispatch() as client:
        done = (await finished(client, sid, coordinator)).json()
        assert done["status"] == "done", done["error"]
        assert [r["policy"] for r in done["compliance"]] == ["closest-idle"]


BAD_SETTINGS = [
    {"demand_multiplier": 0.5},
    {"demand_multiplier": 11},
    {"days": 0},
    {"days": 400},
    {"seed": -1},
    {"roster": "nowhere"},
    {"policies": []},
    {"policies": ["engine", "coin-toss"]},
    {"policies": ["engine", "engine"]},
    {"speed": "fast"},
]


async def test_a_simulation_with_bad_settings_is_refused_and_nothing_is_queued(
    dispatch, coordinator
):
    async with dispatch() as client:
        before = (await client.get("/simulations", headers=coordinator)).json()["simulations"]
        for change in BAD_SETTINGS:
            refused = await client.post(
                "/simulations", json={**TINY, **change}, headers=coordinator
            )
            assert refused.status_code == 422, (change, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
        after = (await client.get("/simulations", headers=coordinator)).json()["simulations"]
        assert [s["id"] for s in after] == [s["id"] for s in before]


async def test_only_planners_may_run_or_read_simulations(dispatch, token_for, coordinator):
    async with dispatch() as client:
        nurse = {"authorization": f"Bearer {token_for('clinician', practitioner_id='n-1')}"}
        assert (await client.post("/simulations", json=TINY, headers=nurse)).status_code == 403
        assert (await client.get("/simulations", headers=nurse)).status_code == 403
        assert (await client.post("/simulations", json=TINY)).status_code == 401
        missing = await client.get("/simulations/sim-nothing", headers=coordinator)
        assert missing.status_code == 404 and missing.json()["type"].endswith(
            "/simulation-not-found"
        )
