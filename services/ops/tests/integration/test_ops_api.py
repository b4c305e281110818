"""The ops API in-process against the real Postgres and broker."""

import pytest

from cch_devstack.testing import service_app
from ops.main import create_app

pytestmark = pytest.mark.integration


async def test_ops_endpoints_need_the_ops_role(infra, token_for):
    async with service_app(infra, "ops", create_app) as client:
        assert (await client.get("/events")).status_code == 401
        clinician = {"authorization": f"Bearer {token_for('clinician')}"}
        assert (await client.get("/events", headers=clinician)).status_code == 403
        ops = {"authorization": f"Bearer {token_for('ops')}"}
        r = await client.get("/events", headers=ops, params={"limit": 5})
        assert r.status_code == 200 and "items" in r.json()
        bad = await client.get("/events", headers=ops, params={"limit": 0})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        replay = await client.post(
            "/dead-letters/replay",
            headers=ops,
            json={"dlq_topic": "not-a-dlq", "partition": 0, "offset": 0},
        )
        assert replay.status_code == 422
