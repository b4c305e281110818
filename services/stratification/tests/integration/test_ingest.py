"""Bulk ingest: a batch with any bad row is rejected whole, naming every bad row."""

import json

import pytest

from cch_devstack.testing import service_app
from stratification.main import create_app

pytestmark = pytest.mark.integration


async def test_a_batch_with_bad_rows_is_rejected_whole_and_nothing_changes(infra, token_for):
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}"}
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        practices = await client.get(
            "/reports/predictive",
            params={"practice": "Z00000"},
            headers={"authorization": f"Bearer {token_for('commissioner')}"},
        )
        assert practices.status_code == 404
        good = "nhs_number,sex,birth_date,practice_code,postcode,easting,northing\n"
        bad = (
            good + "9434765919,female,1940-02-01,Z99999,SY1 1AA,349000,312000\n"
            "1234567890,female,2999-01-01,Z99999,SY1 1AA,349000,312000\n"
        )
        r = await client.post(
            "/ingest/registry", content=bad.encode(), headers={**ehr, "content-type": "text/csv"}
        )
        assert r.status_code == 422
        problems = r.json()["errors"]
        assert {(p["line"], p["field"]) for p in problems} >= {
            (2, "practice_code"),
            (3, "nhs_number"),
            (3, "birth_date"),
        }
        wrong_type = await client.post(
            "/ingest/registry", content=b"{}", headers={**ehr, "content-type": "application/xml"}
        )
        assert wrong_type.status_code == 415
        empty = await client.post(
            "/ingest/activity", content=b"  ", headers={**ehr, "content-type": "text/csv"}
        )
        assert empty.status_code == 400
        not_json = await client.post(
            "/ingest/activity",
            content=b"{broken\n",
            headers={**ehr, "content-type": "application/x-ndjson"},
        )
        assert not_json.status_code == 422 and not_json.json()["errors"][0]["line"] == 1
        clinician = {"authorization": f"Bearer {token_for('clinician')}"}
        forbidden = await client.post(
            "/ingest/registry",
            content=good.encode(),
            headers={**clinician, "content-type": "text/csv"},
        )
        assert forbidden.status_code == 403


async def test_a_valid_batch_registers_patients_and_their_activity(infra, token_for):
    from stratification.adapters.population_store import load_synthetic
    from stratification.domain.population import generate_population

    population = generate_population(size=6_000, seed=7)
    await load_synthetic(
        infra.service_url("stratification"), population, seed=7, progress=lambda _: None
    )
    practice = str(population.practice_codes()[0])
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}"}
    registry = (
        "nhs_number,sex,birth_date,practice_code,postcode,easting,northing\n"
        f"9434765919,female,1938-05-04,{practice},SY1 1AA,349000,312000\n"
    )
    activity = (
        json.dumps(
            {
                "nhs_number": "9434765919",
                "practice_code": practice,
                "date": "2024-11-02",
                "kind": "nel",
                "icd10_primary": "I50.0",
                "icd10_secondary": "N39.0;R26.8",
            }
        )
        + "\n"
    )
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        r = await client.post(
            "/ingest/registry",
            content=registry.encode(),
            headers={**ehr, "content-type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["rows"] == 1
        again = await client.post(
            "/ingest/registry",
            content=registry.encode(),
            headers={**ehr, "content-type": "text/csv"},
        )
        assert again.json()["updated_patients"] == 1 and again.json()["new_patients"] == 0
        a = await client.post(
            "/ingest/activity",
            content=activity.encode(),
            headers={**ehr, "content-type": "application/x-ndjson"},
        )
        assert a.status_code == 200, a.text
        assert {k: v for k, v in a.json().items() if k != "job_id"} == {
            "accepted": True,
            "rows": 1,
            "patients": 1,
        }
        duplicate = await client.post(
            "/ingest/activity",
            content=activity.encode(),
            headers={**ehr, "content-type": "application/x-ndjson"},
        )
        assert duplicate.status_code == 422
        assert duplicate.json()["errors"] == [
            {
                "line": 1,
                "field": "row",
                "value": "9434765919",
                "reason": "already stored (duplicate row)",
            }
        ]
