"""Run requests that must be refused or repeated, and runs with a stored model version."""

import asyncio
import json

import pytest

from cch_devstack.testing import eventually, service_app
from stratification.main import create_app

pytestmark = pytest.mark.integration


async def _finished(client, headers, run_id):
    async def status():
        return (await client.get(f"/runs/{run_id}", headers=headers)).json()

    return await eventually(
        status, until=lambda r: r["status"] in ("completed", "failed"), timeout=180
    )


async def test_a_second_run_while_one_is_in_progress_is_refused(infra, county, token_for):
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    practice = str(county.practice_codes()[0])
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        # a new snapshot, so neither request is answered by an earlier completed run
        ehr = {"authorization": f"Bearer {token_for('ehr-system')}"}
        row = {
            "nhs_number": str(county.nhs_number[7]),
            "practice_code": str(county.practice_codes()[7]),
            "date": "2023-06-14",
            "kind": "gp",
            "icd10_primary": "M54.5",
        }
        loaded = await client.post(
            "/ingest/activity",
            content=(json.dumps(row) + "\n").encode(),
            headers={**ehr, "content-type": "application/x-ndjson"},
        )
        assert loaded.status_code == 200, loaded.text
        first, second = await asyncio.gather(
            client.post("/runs", json={}, headers=commissioner),
            client.post("/runs", json={"practice_code": practice}, headers=commissioner),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [202, 409], (first.text, second.text)
        refused = first if first.status_code == 409 else second
        assert refused.json()["type"].endswith("/run-in-progress")
        running = first if first.status_code == 202 else second
        done = await _finished(client, commissioner, running.json()["id"])
        assert done["status"] == "completed", done.get("error")


async def test_runs_name_a_stored_model_version_or_are_refused(infra, county, token_for):
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}"}
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        unknown = await client.post(
            "/runs",
            json={"model_version": "nel12-logistic-19990101-deadbeef"},
            headers=commissioner,
        )
        assert unknown.status_code == 404 and unknown.json()["type"].endswith(
            "/unknown-model-version"
        )
        assert "nel12-logistic-19990101-deadbeef" in unknown.json()["detail"]

        trained = await client.post("/runs", json={}, headers=commissioner)
        first = await _finished(client, commissioner, trained.json()["id"])
        assert first["status"] == "completed", first.get("error")
        version = first["model_version"]
        # same model, same data: the earlier run answers
        repeat = await client.post("/runs", json={"model_version": version}, headers=commissioner)
        assert repeat.status_code == 200 and repeat.json()["id"] == first["id"]

        # new data: the stored model scores it without retraining
        row = {
            "nhs_number": str(county.nhs_number[11]),
            "practice_code": str(county.practice_codes()[11]),
            "date": "2023-08-02",
            "kind": "gp",
            "icd10_primary": "J06.9",
        }
        loaded = await client.post(
            "/ingest/activity",
            content=(json.dumps(row) + "\n").encode(),
            headers={**ehr, "content-type": "application/x-ndjson"},
        )
        assert loaded.status_code == 200, loaded.text
        rescored = await client.post("/runs", json={"model_version": version}, headers=commissioner)
        assert rescored.status_code == 202 and rescored.json()["id"] != first["id"]
        second = await _finished(client, commissioner, rescored.json()["id"])
        assert second["status"] == "completed", second.get("error")
        assert second["model_version"] == version
        assert second["counts"]["patients_scored"] == first["counts"]["patients_scored"]
