"""Commissioners see the referral mix: routes, localities, months, 80/20, outcomes, timing."""

import pytest
from referrals_testkit import nhs_number, service_request

pytestmark = pytest.mark.integration


async def test_referral_mix_counts_routes_against_the_80_20_expectation(referrals, ehr, token_for):
    for route in ("gp", "self", "ae-fit"):
        r = await referrals.post(
            "/fhir/ServiceRequest", json=service_request(nhs_number(), route=route), headers=ehr
        )
        assert r.status_code == 201
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    r = await referrals.get("/reports/referral-mix", headers=commissioner)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["total"] >= 3
    assert report["by_route"]["gp"]["count"] >= 1
    assert report["split"]["expected_predictive_share"] == 0.8
    assert set(report["by_locality"]) == {"north", "central", "south", "unknown"}
    assert "median_hours" in report["decision_times"]
    assert (await referrals.get("/reports/referral-mix", headers=ehr)).status_code == 403
    bad = await referrals.get(
        "/reports/referral-mix",
        params={"start": "2026-05-01", "end": "2026-01-01"},
        headers=commissioner,
    )
    assert bad.status_code == 422
