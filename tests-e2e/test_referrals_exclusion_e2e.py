"""Referrals across the stack: an MDT exclusion keeps a patient off the predictive report until
the review date; an inclusion reaches caseload; an urgent referral reaches dispatch.

Everything goes through the gateway's public APIs. The county is seeded the way `make run` seeds
it (the stratification seed command), a stratification run tiers it, and the predictive referrals
that run causes are what the MDT triages.
"""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from cch_contracts import patient_key
from cch_devstack.provision import seed_all
from cch_devstack.testing import eventually

pytestmark = pytest.mark.e2e
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ROUTE = "https://cch.example.nhs.uk/CodeSystem/referral-route"
EXT = "https://cch.example.nhs.uk/StructureDefinition"
POPULATION = 3_000


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def _referral(nhs: str, *, priority: str = "routine", crisis: tuple[str, str] | None = None):
    extension = [{"url": f"{EXT}/locality", "valueCode": "north"}]
    if crisis:
        extension.append(
            {
                "url": f"{EXT}/crisis",
                "extension": [
                    {"url": "postcode", "valueString": crisis[0]},
                    {"url": "reason", "valueString": crisis[1]},
                ],
            }
        )
    return {
        "resourceType": "ServiceRequest",
        "identifier": [
            {"system": "https://gp.example.nhs.uk/Id/referral", "value": uuid.uuid4().hex}
        ],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": ROUTE, "code": "gp"}]}],
        "priority": priority,
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "authoredOn": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "requester": {"reference": "Practitioner/gp-e2e"},
        "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}],
        "extension": extension,
    }


class Gateway:
    def __init__(self, url: str, token_for) -> None:
        self.url = url
        self.tokens = {
            "ehr": token_for("ehr-system", scopes="system/ServiceRequest.cruds"),
            "mdt": token_for("case-manager", practitioner_id="mdt-e2e"),
            "commissioner": token_for("commissioner"),
            "coordinator": token_for("coordinator"),
            "ops": token_for("ops", scopes="system/AuditEvent.rs"),
        }

    async def call(self, method: str, path: str, who: str, **kwargs) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.tokens[who]}"}
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as client:
            return await client.request(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="module")
def gateway(stack, token_for) -> Gateway:
    return Gateway(stack.config.service_url("gateway"), token_for)


@pytest.fixture(scope="module")
def workforce(infra, stack) -> None:
    """Caseload's teams and dispatch's roster, seeded as `make run` seeds them."""
    seed_all(["caseload", "dispatch"], population=0, env=infra.service_env)


@pytest.fixture(scope="module")
async def predictive_referral(infra, stack, gateway) -> dict:
    """A county tiered by a stratification run; one predictive referral it caused."""
    seed_all(["stratification"], population=POPULATION, env=infra.service_env)
    started = await gateway.call("POST", "/api/stratification/runs", "commissioner", json={})
    assert started.status_code in (200, 202), started.text
    run_id = started.json()["id"]

    async def run_status() -> dict:
        return (
            await gateway.call("GET", f"/api/stratification/runs/{run_id}", "commissioner")
        ).json()

    run = await eventually(
        run_status, until=lambda r: r["status"] in ("completed", "failed"), timeout=300, what="run"
    )
    assert run["status"] == "completed", run.get("error")

    async def predictive() -> list[dict]:
        r = await gateway.call(
            "GET",
            "/fhir/ServiceRequest",
            "ehr",
            params={"category": "predictive", "status": "active", "_count": "50"},
        )
        return [e["resource"] for e in r.json().get("entry", []) if e["search"]["mode"] == "match"]

    found = await eventually(predictive, timeout=120, what="predictive referrals from the run")
    with_practice = [
        r for r in found if any(x["url"] == f"{EXT}/gp-practice" for x in r.get("extension", []))
    ]
    assert with_practice, found[0]
    return with_practice[0]


async def test_included_referral_opens_a_case_in_caseload(gateway, workforce):
    created = await gateway.call(
        "POST", "/fhir/ServiceRequest", "ehr", json=_referral(_nhs_number())
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    decided = await gateway.call(
        "POST",
        f"/api/referrals/referrals/{rid}/decisions",
        "mdt",
        json={
            "decision": "include",
            "need_level": "moderate",
            "eligibility_criteria": ["consent", "age-65-plus"],
            "most_pressing_need": "nursing",
        },
    )
    assert decided.status_code == 201, decided.text

    async def cases() -> dict:
        dead = await gateway.call("GET", "/api/ops/dead-letters", "ops")
        assert rid not in dead.text, dead.text
        r = await gateway.call("GET", "/api/caseload/cases", "mdt", params={"referral_id": rid})
        assert r.status_code == 200, r.text
        return r.json()

    found = await eventually(cases, until=lambda c: c["total"] == 1, timeout=120, what="case")
    assert found["items"][0]["patient_key"] == patient_key(
        created.json()["subject"]["identifier"]["value"]
    )


async def test_urgent_referral_becomes_a_timed_dispatch_request(gateway, workforce):
    body = _referral(_nhs_number(), priority="urgent", crisis=("SY1 1AA", "Fallen, cannot get up"))
    created = await gateway.call("POST", "/fhir/ServiceRequest", "ehr", json=body)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]

    async def board() -> list[dict]:
        r = await gateway.call("GET", "/api/dispatch/board", "coordinator")
        assert r.status_code == 200, r.text
        return [x for x in r.json()["requests"] if x.get("referral_id") == rid]

    [request] = await eventually(board, timeout=120, what="dispatch request for the referral")
    assert request["referral_id"] == rid


# Last: the county's run floods every consumer with tier changes.
async def test_excluded_patient_stays_off_the_report_until_the_review_date(
    gateway, predictive_referral
):
    referral = predictive_referral
    nhs = referral["subject"]["identifier"]["value"]
    key = patient_key(nhs)
    practice = next(
        x["valueIdentifier"]["value"]
        for x in referral["extension"]
        if x["url"] == f"{EXT}/gp-practice"
    )

    async def on_report(day: date | None = None) -> dict[str, dict]:
        params = {"practice": practice, **({"on": day.isoformat()} if day else {})}
        r = await gateway.call(
            "GET", "/api/stratification/reports/predictive", "mdt", params=params
        )
        assert r.status_code == 200, r.text
        return {p["patient_key"]: p for p in r.json()["patients"]}

    assert key in await on_report()
    review_on = date.today() + timedelta(days=90)
    decided = await gateway.call(
        "POST",
        f"/api/referrals/referrals/{referral['id']}/decisions",
        "mdt",
        json={
            "decision": "exclude",
            "reason": "needs-met-elsewhere",
            "reason_text": "Under the heart failure nurses",
            "next_review_on": review_on.isoformat(),
        },
    )
    assert decided.status_code == 201, decided.text

    await eventually(
        on_report, until=lambda keys: key not in keys, timeout=60, what="exclusion on the report"
    )
    assert key not in await on_report(review_on - timedelta(days=1))
    returned = await on_report(review_on)
    assert key in returned and returned[key]["returned_from_exclusion"] is True
