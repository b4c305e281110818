"""A run over a synthetic county: tiers, events, report, RiskAssessment, exclusions."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from cch_contracts import patient_key
from cch_contracts.events.referrals import (
    ReferralDecisionReversed,
    ReferralExcluded,
    TriageOutcome,
)
from cch_devstack.testing import eventually, publish, service_app
from cch_fhir.schema import schema_errors
from stratification.adapters.population_store import load_synthetic
from stratification.domain.population import generate_population
from stratification.main import create_app

pytestmark = pytest.mark.integration
SIZE = 6_000


@pytest.fixture(scope="module")
async def loaded(infra):
    population = generate_population(size=SIZE, seed=7)
    await load_synthetic(
        infra.service_url("stratification"), population, seed=7, progress=lambda _: None
    )
    return population


async def _completed_run(client, headers, body=None):
    started = await client.post("/runs", json=body or {}, headers=headers)
    assert started.status_code in (200, 202), started.text
    run_id = started.json()["id"]

    async def status():
        return (await client.get(f"/runs/{run_id}", headers=headers)).json()

    return await eventually(
        status,
        until=lambda r: r["status"] in ("completed", "failed"),
        timeout=120,
        what="run completion",
    )


async def test_a_run_tiers_the_65_plus_and_reports_model_quality(infra, loaded, token_for):
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        run = await _completed_run(client, commissioner)
        assert run["status"] == "completed", run.get("error")
        counts = run["counts"]
        by_tier = counts["by_tier"]
        eligible = sum(by_tier.values())
        # ranks among the 65+: exactly the policy's shares, fewer where scores tie on a cut-off
        assert 0.015 * eligible <= by_tier["highest"] <= 0.02 * eligible + 1
        assert 0.11 * eligible <= by_tier["highest"] + by_tier["high"] <= 0.12 * eligible + 1
        assert counts["tier_changes"] == eligible  # first run: everyone gets a tier
        model = (await client.get(f"/models/{run['model_version']}", headers=commissioner)).json()
        assert 0.6 < model["metrics"]["auroc"] < 0.95
        assert len(model["metrics"]["calibration"]) == 10
        tiers = (await client.get("/tiers", headers=commissioner)).json()
        assert [t["tier"] for t in tiers["tiers"]] == ["highest", "high", "medium", "low"]

        again = await client.post("/runs", json={}, headers=commissioner)
        assert again.status_code == 200 and again.json()["id"] == run["id"]  # same snapshot

        assert (
            await client.post("/runs", json={"practice_code": "Z99999"}, headers=commissioner)
        ).status_code == 404
        assert (await client.get("/models/nope", headers=commissioner)).status_code == 404


async def test_risk_assessments_are_valid_r4_with_factors(infra, loaded, token_for):
    ehr = {"authorization": f"Bearer {token_for('ehr-system', scopes='system/RiskAssessment.rs')}"}
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        await _completed_run(client, commissioner)
        bundle = (
            await client.get(
                "/fhir/RiskAssessment", params={"risk": "highest", "_count": 5}, headers=ehr
            )
        ).json()
        assert bundle["total"] > 0 and len(bundle["entry"]) == 5
        assert any(link["relation"] == "next" for link in bundle["link"])
        first = bundle["entry"][0]["resource"]
        assert schema_errors(first) == []
        assert schema_errors(bundle) == []
        nhs = first["subject"]["identifier"]["value"]
        one = await client.get(f"/fhir/RiskAssessment/{first['id']}", headers=ehr)
        assert one.status_code == 200 and one.json()["prediction"][0]["qualitativeRisk"]
        by_patient = (
            await client.get(
                "/fhir/RiskAssessment",
                params={"patient:identifier": f"https://fhir.nhs.uk/Id/nhs-number|{nhs}"},
                headers=ehr,
            )
        ).json()
        assert {e["resource"]["subject"]["identifier"]["value"] for e in by_patient["entry"]} == {
            nhs
        }
        missing = await client.get("/fhir/RiskAssessment/nope.1", headers=ehr)
        assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
        no_scope = {"authorization": f"Bearer {token_for('clinician', scopes='user/CarePlan.rs')}"}
        assert (await client.get("/fhir/RiskAssessment", headers=no_scope)).status_code == 403


async def test_excluded_patient_stays_off_report_until_review_date(infra, loaded, token_for):
    commissioner = {"authorization": f"Bearer {token_for('commissioner')}"}
    mdt = {"authorization": f"Bearer {token_for('case-manager')}"}
    async with service_app(
        infra, "stratification", create_app, STRATIFICATION_SCHEDULE_RUNS="false"
    ) as client:
        await _completed_run(client, commissioner)
        practices = sorted({str(c) for c in loaded.practice_codes()})
        report = (
            await client.get("/reports/predictive", params={"practice": practices}, headers=mdt)
        ).json()
        assert report["count"] > 0 and all(
            p["tier"] in ("highest", "high") for p in report["patients"]
        )
        target = report["patients"][0]
        review_on = date.today() + timedelta(days=180)
        excluded = ReferralExcluded(
            referral_id=f"r-{uuid.uuid4().hex[:8]}",
            patient_key=target["patient_key"],
            nhs_number=target["nhs_number"],
            reason="Already supported by hospice team",
            next_review_on=review_on,
            decided_by="Practitioner/mdt-1",
            decided_at=datetime.now(UTC),
        )
        await publish(infra, excluded, key=target["patient_key"])

        async def keys_on(day: date) -> set[str]:
            r = await client.get(
                "/reports/predictive",
                params={"practice": practices, "on": day.isoformat()},
                headers=mdt,
            )
            return {p["patient_key"] for p in r.json()["patients"]}

        await eventually(
            lambda: keys_on(date.today()),
            until=lambda keys: target["patient_key"] not in keys,
            what="exclusion applied",
        )
        assert target["patient_key"] not in await keys_on(review_on - timedelta(days=1))
        assert target["patient_key"] in await keys_on(review_on)
        assert patient_key(target["nhs_number"]) == target["patient_key"]

        # The MDT withdraws the exclusion: the patient is back on today's report at once.
        reversed_ = ReferralDecisionReversed(
            referral_id=excluded.referral_id,
            patient_key=target["patient_key"],
            reversed_version=2,
            previous_decision=TriageOutcome.EXCLUDE,
            reason="Hospice team discharged the patient",
            reversed_by="Practitioner/mdt-1",
            reversed_at=datetime.now(UTC),
        )
        await publish(infra, reversed_, key=target["patient_key"])
        await eventually(
            lambda: keys_on(date.today()),
            until=lambda keys: target["patient_key"] in keys,
            what="exclusion lifted by the reversal",
        )
        csv_text = (
            await client.get(
                "/reports/predictive", params={"practice": practices, "format": "csv"}, headers=mdt
            )
        ).text
        assert csv_text.splitlines()[0].startswith("nhs_number,birth_date,practice_code")
        bad = await client.get("/reports/predictive", params={"practice": "Z00000"}, headers=mdt)
        assert bad.status_code == 404
