"""The MDT triages referrals: worklist per practice, include / exclude, reversal with audit."""

from datetime import UTC, datetime, timedelta

import pytest
from referrals_testkit import audit_rows, nhs_number, outbox_events, practice_code, service_request

from referrals.domain.exclusions import add_months

pytestmark = pytest.mark.integration


async def _refer(client, ehr, *, practice: str, **kwargs) -> str:
    r = await client.post(
        "/fhir/ServiceRequest",
        json=service_request(nhs_number(), practice=practice, **kwargs),
        headers=ehr,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_worklist_lists_a_practice_s_referrals_urgent_first(referrals, ehr, mdt):
    practice = practice_code()
    routine = await _refer(referrals, ehr, practice=practice)
    urgent = await _refer(
        referrals, ehr, practice=practice, priority="urgent", crisis=("SY2 6FG", "Chest pain")
    )
    await _refer(referrals, ehr, practice=practice_code())
    r = await referrals.get("/triage/worklist", params={"practice": practice}, headers=mdt)
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["referrals"]] == [urgent, routine]
    assert (await referrals.get("/triage/worklist", headers=ehr)).status_code == 403


async def test_include_completes_the_referral_and_tells_caseload(infra, referrals, ehr, mdt):
    rid = await _refer(referrals, ehr, practice=practice_code(), locality="south")
    decision = {
        "decision": "include",
        "need_level": "severe",
        "eligibility_criteria": ["consent", "risk-tier-high"],
        "most_pressing_need": "nursing",
    }
    r = await referrals.post(f"/referrals/{rid}/decisions", json=decision, headers=mdt)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (
        body["decision"]["version"] == 1 and body["decision"]["decided_by"] == "Practitioner/cm-1"
    )
    assert body["referral"]["status"] == "completed"
    again = await referrals.post(f"/referrals/{rid}/decisions", json=decision, headers=mdt)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    fhir = await referrals.get(f"/fhir/ServiceRequest/{rid}", headers=ehr)
    assert fhir.json()["status"] == "completed"
    accepted = [e for e in await outbox_events(infra, rid) if e["type"].endswith("accepted.v1")]
    assert accepted[0]["payload"]["need_level"] == "severe"
    assert accepted[0]["payload"]["locality"] == "south"
    assert "update" in await audit_rows(infra, rid)


async def test_include_needs_known_criteria_and_consent(referrals, ehr, mdt):
    rid = await _refer(referrals, ehr, practice=practice_code())
    bad = await referrals.post(
        f"/referrals/{rid}/decisions",
        json={"decision": "include", "need_level": "mild", "eligibility_criteria": ["vibes"]},
        headers=mdt,
    )
    assert bad.status_code == 422
    assert (await referrals.get(f"/referrals/{rid}", headers=mdt)).json()["status"] == "active"


async def test_exclusion_defaults_to_six_months_and_can_be_reversed(infra, referrals, ehr, mdt):
    rid = await _refer(referrals, ehr, practice=practice_code())
    r = await referrals.post(
        f"/referrals/{rid}/decisions",
        json={"decision": "exclude", "reason": "low-need", "reason_text": "well supported"},
        headers=mdt,
    )
    assert r.status_code == 201, r.text
    today = datetime.now(UTC).date()
    assert r.json()["decision"]["next_review_on"] == add_months(today, 6).isoformat()
    assert r.json()["referral"]["status"] == "revoked"
    excluded = [e for e in await outbox_events(infra, rid) if e["type"].endswith("excluded.v1")]
    assert excluded[0]["payload"]["next_review_on"] == add_months(today, 6).isoformat()

    wrong = await referrals.post(
        f"/referrals/{rid}/decisions/7/reverse", json={"reason": "typo"}, headers=mdt
    )
    assert wrong.status_code == 409
    back = await referrals.post(
        f"/referrals/{rid}/decisions/1/reverse", json={"reason": "new information"}, headers=mdt
    )
    assert back.status_code == 201, back.text
    assert back.json()["referral"]["status"] == "active"
    assert [d["kind"] for d in back.json()["referral"]["decisions"]] == ["exclude", "reversal"]
    hist = await referrals.get(f"/fhir/ServiceRequest/{rid}/_history", headers=ehr)
    assert [e["resource"]["status"] for e in hist.json()["entry"]] == [
        "active",
        "revoked",
        "active",
    ]


async def test_exclusion_review_date_must_be_in_the_future(referrals, ehr, mdt):
    rid = await _refer(referrals, ehr, practice=practice_code())
    past = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    r = await referrals.post(
        f"/referrals/{rid}/decisions",
        json={"decision": "exclude", "reason": "declined", "next_review_on": past},
        headers=mdt,
    )
    assert r.status_code == 422
    missing = await referrals.post(
        "/referrals/nope/decisions", json={"decision": "exclude", "reason": "declined"}, headers=mdt
    )
    assert missing.status_code == 404


async def _refer_seen(client, ehr, *, practice: str, **occurrence) -> str:
    body = {**service_request(nhs_number(), practice=practice), **occurrence}
    r = await client.post("/fhir/ServiceRequest", json=body, headers=ehr)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_mdt_sorts_the_worklist_by_when_to_see_and_lists_those_due_by_a_day(
    infra, referrals, ehr, mdt
):
    practice = practice_code()
    undated = await _refer_seen(referrals, ehr, practice=practice)
    mid_march = await _refer_seen(
        referrals,
        ehr,
        practice=practice,
        occurrencePeriod={"start": "2027-03-01", "end": "2027-03-14"},
    )
    first_march = await _refer_seen(
        referrals, ehr, practice=practice, occurrenceDateTime="2027-03-01T09:30:00Z"
    )
    from_april = await _refer_seen(
        referrals, ehr, practice=practice, occurrencePeriod={"start": "2027-04-01"}
    )

    async def worklist(**params):
        r = await referrals.get(
            "/triage/worklist", params={"practice": practice, **params}, headers=mdt
        )
        assert r.status_code == 200, r.text
        return r.json()

    default = await worklist()
    assert [x["id"] for x in default["referrals"]] == [undated, mid_march, first_march, from_april]
    by_date = await worklist(sort="when-to-see")
    assert by_date["sort"] == "when-to-see"
    assert [x["id"] for x in by_date["referrals"]] == [first_march, mid_march, from_april, undated]
    item = next(x for x in by_date["referrals"] if x["id"] == mid_march)
    assert item["when_to_see"] == {
        "at": None,
        "start": "2027-03-01",
        "end": "2027-03-14",
        "see_from": "2027-03-01T00:00:00+00:00",
        "see_by": "2027-03-14T23:59:59.999999+00:00",
    }
    assert item["due_at"] == "2027-03-14T23:59:59.999999+00:00"
    assert next(x for x in by_date["referrals"] if x["id"] == undated)["when_to_see"] is None

    due = await worklist(sort="when-to-see", due_by="2027-03-14")
    assert (due["due_by"], due["total"]) == ("2027-03-14", 2)
    assert [x["id"] for x in due["referrals"]] == [first_march, mid_march]
    assert [x["id"] for x in (await worklist(due_by="2027-03-13"))["referrals"]] == [first_march]

    for bad in ({"sort": "soonest"}, {"due_by": "14/03/2027"}):
        r = await referrals.get(
            "/triage/worklist", params={"practice": practice, **bad}, headers=mdt
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_inclusion_tells_caseload_when_the_referrer_wants_the_patient_seen(
    infra, referrals, ehr, mdt
):
    window = {"start": "2027-05-03", "end": "2027-05-07"}
    rid = await _refer_seen(referrals, ehr, practice=practice_code(), occurrencePeriod=window)
    decision = {
        "decision": "include",
        "need_level": "moderate",
        "eligibility_criteria": ["consent", "risk-tier-high"],
    }
    r = await referrals.post(f"/referrals/{rid}/decisions", json=decision, headers=mdt)
    assert r.status_code == 201, r.text
    events = {e["type"]: e["payload"] for e in await outbox_events(infra, rid)}
    for kind in ("cch.referral.received.v1", "cch.referral.accepted.v1"):
        assert events[kind]["see_from"].startswith("2027-05-03T00:00:00"), kind
        assert events[kind]["see_by"].startswith("2027-05-07T23:59:59.999999"), kind
