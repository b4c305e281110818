"""Patients refer themselves through a plain JSON API; every problem is reported at once."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from referrals_testkit import NHS, nhs_number, outbox_events

pytestmark = pytest.mark.integration


def form(**changes):
    return {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1940-12-10",
        "postcode": "sy3 8xl",
        "reason": "I keep falling at home and live alone",
        "consent": True,
        "phone": "07700 900123",
        **changes,
    }


async def test_self_referral_becomes_a_service_request(referrals, ehr, token_for):
    nhs = nhs_number()
    web = {"authorization": f"Bearer {token_for('ehr-system', subject='web-form')}"}
    r = await referrals.post(
        "/self-referrals", json=form(nhs_number=nhs, submission_id=uuid.uuid4().hex), headers=web
    )
    assert r.status_code == 201, r.text
    rid = r.json()["referral_id"]
    sr = await referrals.get(f"/fhir/ServiceRequest/{rid}", headers=ehr)
    assert sr.json()["category"][0]["coding"][0]["code"] == "self"
    assert sr.json()["subject"]["identifier"] == {"system": NHS, "value": nhs}


async def test_resent_form_without_nhs_number_is_not_duplicated(referrals, token_for):
    web = {"authorization": f"Bearer {token_for('ehr-system')}"}
    body = form(submission_id=f"form-{uuid.uuid4().hex}")
    first = await referrals.post("/self-referrals", json=body, headers=web)
    again = await referrals.post("/self-referrals", json=body, headers=web)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["referral_id"] == first.json()["referral_id"]


async def test_every_problem_on_the_form_is_listed(referrals, token_for):
    web = {"authorization": f"Bearer {token_for('ehr-system')}"}
    r = await referrals.post(
        "/self-referrals",
        json=form(nhs_number="1234567890", postcode="nowhere", consent=False, birth_date="12/10"),
        headers=web,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["loc"] for e in r.json()["errors"]}
    assert {"nhs_number", "postcode", "consent", "birth_date"} <= fields
    assert (await referrals.post("/self-referrals", json=form())).status_code == 401


async def test_patient_says_from_when_and_by_when_to_be_seen(infra, referrals, ehr, token_for):
    web = {"authorization": f"Bearer {token_for('ehr-system', subject='web-form')}"}
    today = datetime.now(UTC).date()
    see_from, see_by = today + timedelta(days=7), today + timedelta(days=21)
    r = await referrals.post(
        "/self-referrals",
        json=form(
            nhs_number=nhs_number(), see_from=see_from.isoformat(), see_by=see_by.isoformat()
        ),
        headers=web,
    )
    assert r.status_code == 201, r.text
    rid = r.json()["referral_id"]
    assert r.json()["when_to_see"]["start"] == see_from.isoformat()
    sr = await referrals.get(f"/fhir/ServiceRequest/{rid}", headers=ehr)
    assert sr.json()["occurrencePeriod"] == {
        "start": see_from.isoformat(),
        "end": see_by.isoformat(),
    }
    [received] = [e for e in await outbox_events(infra, rid) if e["type"].endswith("received.v1")]
    assert received["payload"]["see_from"].startswith(f"{see_from.isoformat()}T00:00:00")
    assert received["payload"]["see_by"].startswith(f"{see_by.isoformat()}T23:59:59")


async def test_dates_to_be_seen_in_the_past_too_far_ahead_or_unreadable_are_refused(
    referrals, ehr, token_for
):
    web = {"authorization": f"Bearer {token_for('ehr-system')}"}
    today = datetime.now(UTC).date()
    nhs = nhs_number()
    cases = [
        ({"see_from": (today - timedelta(days=1)).isoformat()}, "see_from"),
        ({"see_by": (today + timedelta(days=400)).isoformat()}, "see_by"),
        ({"see_from": "next tuesday"}, "see_from"),
        (
            {
                "see_from": (today + timedelta(days=10)).isoformat(),
                "see_by": (today + timedelta(days=3)).isoformat(),
            },
            "see_by",
        ),
    ]
    for dates, field in cases:
        r = await referrals.post("/self-referrals", json=form(nhs_number=nhs, **dates), headers=web)
        assert r.status_code == 422, (dates, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["loc"] for e in r.json()["errors"]] == [field], r.json()
    found = await referrals.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    assert found.status_code == 200 and found.json().get("entry", []) == []
