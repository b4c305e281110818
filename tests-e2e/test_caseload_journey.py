"""A referral sent over FHIR, accepted by the MDT, lands on the right caseload and leaves it again.

Everything goes through the gateway as users' systems would: the EHR's FHIR client sends the
referral, the MDT records its decision at referrals, caseload assigns it, careplans drafts the plan,
the MDT discharges with a reason, and the discharge is on the event stream ops indexes.
"""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from cch_devstack.testing import eventually

pytestmark = pytest.mark.e2e
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ROUTE = "https://cch.example.nhs.uk/CodeSystem/referral-route"
REFERRER = "https://gp.example.nhs.uk/Id/referral"
CASE_ID = "https://cch.example.nhs.uk/Id/case"
# Bromley tiers' review frequency; an unscored case is reviewed as High until stratified.
REVIEW_DAYS = {"highest": 14, "high": 28, "medium": 91, "low": 365, None: 28}
NURSING = {"community-nurse", "community-matron"}


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


class Gateway:
    """The gateway with one bearer token per calling role."""

    def __init__(self, url: str, token_for) -> None:
        self.url = url
        self.token_for = token_for
        self.tokens = {
            "ehr": token_for("ehr-system", scopes="system/ServiceRequest.cruds"),
            "mdt": token_for("case-manager", practitioner_id="mdt-e2e"),
            "lead": token_for("team-lead", subject="lead-e2e", practitioner_id="lead-e2e"),
            "ops": token_for("ops", scopes="system/AuditEvent.rs"),
        }

    async def call(self, method: str, path: str, who: str, **kw) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.tokens[who]}", **kw.pop("headers", {})}
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            return await client.request(method, path, headers=headers, **kw)


@pytest.fixture(scope="module")
def gw(stack, token_for) -> Gateway:
    return Gateway(stack.config.service_url("gateway"), token_for)


async def _team_of_kind(gw: Gateway, locality: str, kind: str) -> list[dict]:
    r = await gw.call("GET", "/api/caseload/teams", "lead", params={"locality": locality})
    assert r.status_code == 200, r.text
    return [t for t in r.json()["items"] if t["kind"] == kind]


@pytest.fixture(scope="module")
async def workforce(gw: Gateway) -> dict[str, str]:
    """An integrated care team per locality and a north community nurse with room to spare."""
    for locality in ("north", "central", "south"):
        if not await _team_of_kind(gw, locality, "integrated-care"):
            r = await gw.call(
                "POST",
                "/api/caseload/teams",
                "lead",
                json={
                    "team_id": f"ict-{locality}",
                    "name": f"{locality.title()} integrated care team",
                    "locality": locality,
                    "kind": "integrated-care",
                },
            )
            assert r.status_code == 201, r.text
    suffix = uuid.uuid4().hex[:6]
    team = f"e2e-cm-north-{suffix}"
    r = await gw.call(
        "POST",
        "/api/caseload/teams",
        "lead",
        json={"team_id": team, "name": "North case management (e2e)", "locality": "north"},
    )
    assert r.status_code == 201, r.text
    r = await gw.call(
        "POST",
        "/api/caseload/case-managers",
        "lead",
        json={
            "manager_id": f"e2e-nurse-{suffix}",
            "name": "Alex Morgan",
            "profession": "community-nurse",
            "team_id": team,
            "capacity_points": 400,
        },
    )
    assert r.status_code == 201, r.text
    return {"team": team, "nurse": f"e2e-nurse-{suffix}"}


async def _accepted_referral(gw: Gateway, *, need_level: str, locality: str, need: str) -> str:
    """An EHR's ServiceRequest, then the MDT's include decision; the referral's id."""
    nhs = _nhs_number()
    service_request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": REFERRER, "value": uuid.uuid4().hex}],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": ROUTE, "code": "gp"}]}],
        "priority": "routine",
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "authoredOn": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "requester": {"reference": "Practitioner/gp-e2e"},
        "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}],
    }
    r = await gw.call(
        "POST",
        "/fhir/ServiceRequest",
        "ehr",
        json=service_request,
        headers={"content-type": "application/fhir+json"},
    )
    assert r.status_code == 201, r.text
    referral_id = r.json()["id"]
    r = await gw.call(
        "POST",
        f"/api/referrals/referrals/{referral_id}/decisions",
        "mdt",
        json={
            "decision": "include",
            "need_level": need_level,
            "eligibility_criteria": ["consent", "ltc-1-plus"],
            "locality": locality,
            "most_pressing_need": need,
        },
    )
    assert r.status_code == 201, r.text
    return referral_id


async def _case_for(gw: Gateway, referral_id: str) -> dict:
    async def probe() -> list[dict]:
        r = await gw.call("GET", "/api/caseload/cases", "mdt", params={"referral_id": referral_id})
        assert r.status_code == 200, r.text
        return r.json()["items"]

    found = await eventually(probe, timeout=60, what=f"a case for referral {referral_id}")
    return found[0]


async def test_severe_need_is_assigned_planned_scheduled_and_discharged(gw, workforce):
    referral_id = await _accepted_referral(
        gw, need_level="severe", locality="north", need="nursing"
    )
    case = await _case_for(gw, referral_id)

    # a named case manager in the patient's locality whose profession fits nursing
    assert case["status"] == "active" and case["assignment_kind"] == "case-manager"
    manager_id = case["case_manager_id"]
    r = await gw.call("GET", f"/api/caseload/case-managers/{manager_id}", "mdt")
    assert r.status_code == 200, r.text
    manager = r.json()
    assert manager["locality"] == "north" and manager["profession"] in NURSING
    detail = (await gw.call("GET", f"/api/caseload/cases/{case['case_id']}", "mdt")).json()
    assert any(h["action"] == "assigned" for h in detail["history"])  # why this person

    # the first review falls due on the tier's schedule, counted from assignment
    assigned_on = date.fromisoformat(case["assigned_on"])
    expected = assigned_on + timedelta(days=REVIEW_DAYS[case["tier"]])
    assert date.fromisoformat(case["next_review_on"]) == expected
    due = (await gw.call("GET", "/api/caseload/reviews/due", "mdt")).json()
    assert case["case_id"] not in {i["case_id"] for i in due["items"]}

    # careplans consumed caseload.assigned and drafted the plan; its case manager, on the care
    # team it drafted, sees it
    gw.tokens["named"] = gw.token_for(
        "case-manager", scopes="user/CarePlan.rs", practitioner_id=manager_id
    )

    async def plan() -> list[dict]:
        r = await gw.call(
            "GET", "/fhir/CarePlan", "named", params={"identifier": f"{CASE_ID}|{case['case_id']}"}
        )
        assert r.status_code == 200, r.text
        return [e["resource"] for e in r.json().get("entry", [])]

    plans = await eventually(plan, timeout=60, what="the drafted care plan")
    assert len(plans) == 1 and plans[0]["status"] in ("draft", "active")

    # a discharge without a reason is refused and changes nothing
    before = (await gw.call("GET", f"/api/caseload/caseloads/{manager_id}", "mdt")).json()
    r = await gw.call(
        "POST",
        f"/api/caseload/cases/{case['case_id']}/reviews",
        "mdt",
        json={"outcome": "discharge"},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem")
    still = (await gw.call("GET", f"/api/caseload/cases/{case['case_id']}", "mdt")).json()
    assert still["status"] == "active"

    # the MDT discharges with a reason: capacity is released and the discharge is published
    r = await gw.call(
        "POST",
        f"/api/caseload/cases/{case['case_id']}/reviews",
        "mdt",
        json={"outcome": "discharge", "discharge_reason": "patient-choice", "notes": "declined"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "discharged"
    after = (await gw.call("GET", f"/api/caseload/caseloads/{manager_id}", "mdt")).json()
    held_before = {c["case_id"] for c in before["cases"]}
    assert case["case_id"] in held_before
    assert case["case_id"] not in {c["case_id"] for c in after["cases"]}
    arrived = sum(c["weight"] for c in after["cases"] if c["case_id"] not in held_before)
    released = (
        before["case_manager"]["load_points"] + arrived - after["case_manager"]["load_points"]
    )
    assert released == case["weight"]

    async def discharged() -> list[dict]:
        r = await gw.call(
            "GET",
            "/api/ops/events",
            "ops",
            params={"type": "cch.caseload.discharged.v1", "subject": case["case_id"]},
        )
        assert r.status_code == 200, r.text
        return r.json()["items"]

    await eventually(discharged, timeout=60, what="caseload.discharged on the stream")
    plans = await eventually(
        plan,
        until=lambda ps: ps and ps[0]["status"] not in ("draft", "active"),
        timeout=60,
        what="the care plan closed on discharge",
    )
    assert plans[0]["status"] in ("completed", "revoked")


@pytest.mark.parametrize(
    ("need_level", "locality", "kind"),
    [("moderate", "central", "integrated-team"), ("mild", "south", "self-care")],
)
async def test_moderate_goes_to_the_integrated_care_team_and_mild_to_self_care(
    gw, workforce, need_level, locality, kind
):
    referral_id = await _accepted_referral(
        gw, need_level=need_level, locality=locality, need="social"
    )
    case = await _case_for(gw, referral_id)
    assert case["status"] == "active" and case["assignment_kind"] == kind
    assert case["case_manager_id"] is None
    if kind == "integrated-team":
        [ict] = await _team_of_kind(gw, locality, "integrated-care")
        assert case["owner"] == f"team:{ict['team_id']}"
