"""Patient-facing self-referral: every field checked, every problem reported at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from referrals.domain.errors import InvalidSelfReferral
from referrals.domain.occurrence import SeenWhen, WhenToSee
from referrals.domain.self_referral import (
    SelfReferralForm,
    age_on,
    normalise_uk_phone,
    validate_self_referral,
)
from referrals.domain.vocabulary import Priority, ReferralRoute, ReferralStatus

from .conftest import START

FORM = SelfReferralForm(
    given_name=" Mary-Jane ",
    family_name="O'Brien",
    birth_date=date(1940, 5, 17),
    postcode="sy2 6fg",
    reason="I have fallen twice this month and live alone.",
    consent=True,
    nhs_number="943 476 5919",
    phone="07700 900123",
    email="Mary@Example.ORG",
    practice_code="m82001",
    submission_id="web-123",
)


def problems(form: SelfReferralForm) -> dict[str, str]:
    with pytest.raises(InvalidSelfReferral) as caught:
        validate_self_referral(form, now=START)
    assert caught.value.code == "invalid-self-referral"
    return {p.field: p.message for p in caught.value.problems}


def test_valid_form_is_normalised() -> None:
    checked = validate_self_referral(FORM, now=START)
    assert checked.demographics.given_name == "Mary-Jane"
    assert checked.demographics.postcode == "SY2 6FG"
    assert checked.demographics.phone == "+447700900123"
    assert checked.demographics.email == "Mary@example.org"
    assert checked.nhs_number == "9434765919"
    assert checked.practice_code == "M82001"


def test_self_referral_becomes_a_routine_self_route_referral() -> None:
    checked = validate_self_referral(FORM, now=START)
    referral = checked.to_referral(referral_id="ref-1", patient_key="pk-1", patient_id="p-1")
    assert referral.routes == [ReferralRoute.SELF]
    assert referral.priority is Priority.ROUTINE
    assert referral.status is ReferralStatus.ACTIVE
    assert referral.requester.text == "Patient/p-1"
    assert referral.patient.nhs_number == "9434765919"
    assert referral.demographics is not None
    assert referral.referrer_identifier is not None
    assert referral.referrer_identifier.value == "web-123"
    assert referral.arrivals[0].note.startswith("I have fallen")


def test_nhs_number_is_optional() -> None:
    checked = validate_self_referral(replace(FORM, nhs_number="  "), now=START)
    assert checked.nhs_number is None


def test_nhs_number_failing_modulus_11_is_reported() -> None:
    assert "nhs_number" in problems(replace(FORM, nhs_number="9434765918"))
    assert "nhs_number" in problems(replace(FORM, nhs_number="12345"))


@pytest.mark.parametrize(
    ("birth_date", "fragment"),
    [
        (None, "Enter"),
        (date(2024, 4, 1), "past"),
        (date(2030, 1, 1), "past"),
        (date(1899, 12, 31), "1900"),
        (date(2006, 4, 2), "18 or over"),
    ],
)
def test_birth_date_must_be_past_plausible_and_adult(
    birth_date: date | None, fragment: str
) -> None:
    assert fragment in problems(replace(FORM, birth_date=birth_date))["birth_date"]


def test_eighteenth_birthday_today_is_old_enough() -> None:
    validate_self_referral(replace(FORM, birth_date=date(2006, 4, 1)), now=START)
    assert age_on(date(2006, 4, 1), date(2024, 4, 1)) == 18
    assert age_on(date(2006, 4, 2), date(2024, 4, 1)) == 17


@pytest.mark.parametrize("postcode", ["", "SY2", "12345", "QY1 1AA", "SY1 1CI"])
def test_postcode_must_be_a_uk_postcode(postcode: str) -> None:
    assert "postcode" in problems(replace(FORM, postcode=postcode))


def test_contact_needs_a_phone_or_an_email() -> None:
    assert "contact" in problems(replace(FORM, phone=None, email=" "))
    only_email = validate_self_referral(replace(FORM, phone=None), now=START)
    assert only_email.demographics.phone is None
    only_phone = validate_self_referral(replace(FORM, email=None), now=START)
    assert only_phone.demographics.email is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("01743 123456", "+441743123456"),
        ("+44 7700-900123", "+447700900123"),
        ("0044 20 7946 0000", "+442079460000"),
        ("07700 90012", None),
        ("+1 202 555 0100", None),
        ("0900 123 4567", None),
    ],
)
def test_uk_phone_numbers_are_normalised(raw: str, normalised: str | None) -> None:
    assert normalise_uk_phone(raw) == normalised


def test_bad_phone_and_bad_email_are_both_reported() -> None:
    found = problems(replace(FORM, phone="12", email="mary@"))
    assert {"phone", "email"} <= set(found)


def test_consent_must_be_given() -> None:
    assert "consent" in problems(replace(FORM, consent=False))


def test_reason_length_is_limited_both_ways() -> None:
    assert "at least" in problems(replace(FORM, reason="help"))["reason"]
    assert "or fewer" in problems(replace(FORM, reason="a" * 1001))["reason"]


def test_names_are_required_and_limited_to_name_characters() -> None:
    found = problems(replace(FORM, given_name="", family_name="Smith2"))
    assert "given_name" in found and "family_name" in found
    assert "family_name" in problems(replace(FORM, family_name="x" * 101))
    validate_self_referral(replace(FORM, given_name="Zoë", family_name="Ní Bhriain"), now=START)


def test_every_problem_is_reported_in_one_go() -> None:
    found = problems(
        replace(FORM, given_name="", postcode="nowhere", consent=False, reason="", phone="1")
    )
    assert {"given_name", "postcode", "consent", "reason", "phone"} <= set(found)


def test_practice_code_is_checked_when_given() -> None:
    assert "practice_code" in problems(replace(FORM, practice_code="ABC"))


def test_patient_may_say_from_when_and_by_when_to_be_seen() -> None:
    checked = validate_self_referral(
        replace(FORM, see_from=date(2024, 4, 1), see_by=date(2024, 4, 20)), now=START
    )
    referral = checked.to_referral(referral_id="r-1", patient_key="pk-1", patient_id="p-1")
    assert referral.when_to_see == WhenToSee(
        start=SeenWhen("2024-04-01"), end=SeenWhen("2024-04-20")
    )
    only_from = validate_self_referral(replace(FORM, see_from=date(2024, 9, 30)), now=START)
    assert only_from.when_to_see == WhenToSee(start=SeenWhen("2024-09-30"))
    only_by = validate_self_referral(replace(FORM, see_by=date(2024, 4, 2)), now=START)
    assert only_by.when_to_see == WhenToSee(end=SeenWhen("2024-04-02"))
    assert validate_self_referral(FORM, now=START).when_to_see is None


def test_dates_to_be_seen_cannot_be_past_or_beyond_six_months() -> None:
    found = problems(replace(FORM, see_from=date(2024, 3, 31), see_by=date(2024, 10, 2)))
    assert found["see_from"] == "The date you can be seen from must be today or later"
    assert found["see_by"].startswith(
        "The date you would like to be seen by must be within 6 months of today (by 2024-10-01)"
    )
    assert set(found) == {"see_from", "see_by"}
    latest = validate_self_referral(replace(FORM, see_by=date(2024, 10, 1)), now=START)
    assert latest.when_to_see == WhenToSee(end=SeenWhen("2024-10-01"))


def test_seen_by_cannot_come_before_seen_from() -> None:
    found = problems(replace(FORM, see_from=date(2024, 5, 10), see_by=date(2024, 5, 9)))
    assert found == {
        "see_by": "The date you would like to be seen by must be on or after the date you can "
        "be seen from"
    }
    same_day = validate_self_referral(
        replace(FORM, see_from=date(2024, 5, 10), see_by=date(2024, 5, 10)), now=START
    )
    assert same_day.when_to_see is not None
    assert same_day.when_to_see.earliest is not None and same_day.when_to_see.latest is not None
    assert same_day.when_to_see.latest.date() == same_day.when_to_see.earliest.date()
