"""Long loads run as jobs a data team can poll: state, rows read and loaded, and the report."""

import json
from datetime import date, timedelta

import pytest

from cch_devstack.testing import eventually, service_app
from stratification.main import create_app

pytestmark = pytest.mark.integration
ASYNC = {"prefer": "respond-async", "content-type": "application/x-ndjson"}


def _gp_contacts(county, *, people: int, days: int, first: date) -> bytes:
    """GP contacts for registered people on days nobody else in the tests uses."""
    practices = county.practice_codes()
    lines = []
    for person in range(people):
        for d in range(days):
            lines.append(
                json.dumps(
                    {
                        "nhs_number": str(county.nhs_number[person]),
                        "practice_code": str(practices[person]),
                        "date": (first + timedelta(days=d)).isoformat(),
                        "kind": "gp",
                        "icd10_primary": "Z76.0",
                        "icd10_secondary": "",
                    }
                )
            )
    return ("\n".join(lines) + "\n").encode()


async def test_a_large_file_sent_async_can_be_polled_until_loaded(infra, county, token_for):
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}"}
    body = _gp_contacts(county, people=3_000, days=10, first=date(2023, 1, 2))
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        started = await client.post("/ingest/activity", content=body, headers={**ehr, **ASYNC})
        assert started.status_code == 202, started.text
        assert started.json()["state"] in ("queued", "validating", "loading")
        seen: list[dict] = []

        async def job():
            now = (await client.get(started.headers["location"], headers=ehr)).json()
            seen.append(now)
            return now

        done = await eventually(
            job, until=lambda j: j["state"] not in ("queued", "validating", "loading"), timeout=120
        )
        assert done["state"] == "completed", done
        assert done["rows_read"] == done["rows_loaded"] == 30_000
        assert done["result"] == {"rows": 30_000, "patients": 3_000}
        # counters only move forward while it runs
        read = [j["rows_read"] for j in seen]
        assert read == sorted(read)
        listed = (await client.get("/ingest/jobs", headers=ehr)).json()
        assert done["id"] in [j["id"] for j in listed]


async def test_a_rejected_async_load_keeps_its_report_and_stores_nothing(infra, county, token_for):
    ehr = {"authorization": f"Bearer {token_for('ehr-system')}"}
    good = _gp_contacts(county, people=50, days=2, first=date(2023, 3, 1))
    bad = good + b'{"nhs_number": "1234567890", "practice_code": "Z99999", "date": "2023-03-01", '
    bad += b'"kind": "gp", "icd10_primary": "Z76.0"}\n'
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        started = await client.post("/ingest/activity", content=bad, headers={**ehr, **ASYNC})
        assert started.status_code == 202

        async def job():
            return (await client.get(started.headers["location"], headers=ehr)).json()

        done = await eventually(job, until=lambda j: j["state"] == "rejected", timeout=60)
        assert done["rows_loaded"] == 0 and done["error_count"] == 2
        assert {(e["line"], e["field"]) for e in done["errors"]} == {
            (101, "nhs_number"),
            (101, "practice_code"),
        }
        # nothing was stored: the good rows load on their own afterwards
        fine = await client.post(
            "/ingest/activity",
            content=good,
            headers={**ehr, "content-type": "application/x-ndjson"},
        )
        assert fine.status_code == 200 and fine.json()["rows"] == 100
        missing = await client.get("/ingest/jobs/no-such-job", headers=ehr)
        assert missing.status_code == 404
        clinician = {"authorization": f"Bearer {token_for('clinician')}"}
        assert (await client.get("/ingest/jobs", headers=clinician)).status_code == 403
