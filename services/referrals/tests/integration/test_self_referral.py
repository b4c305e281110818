"""Patients refer themselves through a plain JSON API; every problem is reported at once."""

import uuid

import pytest
from referrals_testkit import NHS, nhs_number

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
