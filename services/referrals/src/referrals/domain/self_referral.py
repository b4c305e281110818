"""Patient-facing self-referral: check every field, report every problem at once, in plain words.

Self-referral is routine only: the form tells a patient in crisis to call NHS 111 or 999, so it
never starts a rapid-response clock on its own. The programme is for adults (18+); the NHS
number is optional (many patients do not know it) but checked when given, so a typo never
attaches the referral to someone else. A patient may say from when they can be seen (away until,
in hospital until) and by when they would like to be: whole days from today up to six months
ahead, becoming the referral's window to see them (ServiceRequest.occurrencePeriod).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from referrals.domain.errors import FieldProblem, InvalidSelfReferral
from referrals.domain.exclusions import add_months
from referrals.domain.nhs_number import is_valid_nhs_number
from referrals.domain.occurrence import SeenWhen, WhenToSee
from referrals.domain.patients import PatientIdentity, SubmittedDemographics
from referrals.domain.postcodes import is_uk_postcode, normalise_postcode
from referrals.domain.references import Reference, ReferenceKind
from referrals.domain.referral_requests import ReferralRequest, ReferrerIdentifier
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import SELF_REFERRAL_SYSTEM, Locality, ReferralRoute

_Problem = Callable[[str, str], None]

MINIMUM_AGE = 18
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
NAME_MAX_LENGTH = 100
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 1000
EMAIL_MAX_LENGTH = 254
# Further ahead than this the patient's needs will have changed: they refer themselves nearer then.
SEE_WITHIN_MONTHS = 6

_NAME_PUNCTUATION = frozenset(" -'.\u2019")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
# UK numbers: 0 + 10 digits nationally (01, 02, 03, 07, 08), or +44 / 0044 without the 0.
_UK_PHONE = re.compile(r"^(?:\+44|0044|0)(?P<subscriber>[1-378]\d{9})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfReferralForm:
    """What the patient typed, untouched."""

    given_name: str
    family_name: str
    birth_date: date | None
    postcode: str
    reason: str
    consent: bool
    nhs_number: str | None = None
    phone: str | None = None
    email: str | None = None
    practice_code: str | None = None
    submission_id: str | None = None
    see_from: date | None = None
    see_by: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfReferral:
    """A checked self-referral with every field normalised."""

    demographics: SubmittedDemographics
    nhs_number: str | None
    reason: str
    practice_code: str | None
    submission_id: str | None
    submitted_at: datetime
    when_to_see: WhenToSee | None = None

    def request(
        self, *, patient_key: str, patient_id: str, locality: Locality | None = None
    ) -> ReferralRequest:
        """The referral this form makes; the patient is the requester (FHIR `Patient/id`)."""
        return ReferralRequest(
            patient=PatientIdentity(patient_key, self.nhs_number),
            route=ReferralRoute.SELF,
            requester=Reference(ReferenceKind.PATIENT, patient_id),
            authored_on=self.submitted_at,
            practice_code=self.practice_code,
            locality=locality,
            referrer_identifier=(
                ReferrerIdentifier(SELF_REFERRAL_SYSTEM, self.submission_id)
                if self.submission_id
                else None
            ),
            demographics=self.demographics,
            note=self.reason,
            when_to_see=self.when_to_see,
        )

    def to_referral(
        self,
        *,
        referral_id: str,
        patient_key: str,
        patient_id: str,
        locality: Locality | None = None,
    ) -> Referral:
        """A new SELF-route referral (use deduplication.link_or_create when one may be open)."""
        return Referral.open(
            self.request(patient_key=patient_key, patient_id=patient_id, locality=locality),
            referral_id=referral_id,
            received_at=self.submitted_at,
        )


def validate_self_referral(form: SelfReferralForm, *, now: datetime) -> SelfReferral:
    """The checked referral, or InvalidSelfReferral listing each field's problem."""
    problems: list[FieldProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(FieldProblem(field, message))

    given = _name(form.given_name, "given_name", problem)
    family = _name(form.family_name, "family_name", problem)
    today = now.date()
    if form.birth_date is None:
        problem("birth_date", "Enter your date of birth")
    elif form.birth_date >= today:
        problem("birth_date", "Your date of birth must be in the past")
    elif form.birth_date < EARLIEST_BIRTH_DATE:
        problem("birth_date", "Check your date of birth: the year must be 1900 or later")
    elif age_on(form.birth_date, today) < MINIMUM_AGE:
        problem("birth_date", f"You must be {MINIMUM_AGE} or over to refer yourself")
    postcode = form.postcode.strip()
    if not postcode:
        problem("postcode", "Enter your postcode")
    elif not is_uk_postcode(postcode):
        problem("postcode", "Enter a real UK postcode, like SY2 6FG")
    nhs_number = _nhs_number(form.nhs_number, problem)
    phone = _phone(form.phone, problem)
    email = _email(form.email, problem)
    if not (form.phone or "").strip() and not (form.email or "").strip():
        problem("contact", "Give a phone number or an email address so we can contact you")
    reason = " ".join(form.reason.split())
    if len(reason) < REASON_MIN_LENGTH:
        problem("reason", f"Tell us why in at least {REASON_MIN_LENGTH} characters")
    elif len(reason) > REASON_MAX_LENGTH:
        problem("reason", f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer")
    if form.consent is not True:
        problem("consent", "You must agree to us using your details to review your referral")
    practice = (form.practice_code or "").strip().upper() or None
    if practice is not None and not re.fullmatch(r"[A-Z]\d{5}", practice):
        problem("practice_code", "A GP practice code is a letter and five digits, like M82001")
    when_to_see = _when_to_see(form.see_from, form.see_by, today, problem)
    if problems or form.birth_date is None:
        raise InvalidSelfReferral(problems)
    return SelfReferral(
        demographics=SubmittedDemographics(
            given_name=given,
            family_name=family,
            birth_date=form.birth_date,
            postcode=normalise_postcode(postcode),
            phone=phone,
            email=email,
        ),
        nhs_number=nhs_number,
        reason=reason,
        practice_code=practice,
        submission_id=(form.submission_id or "").strip() or None,
        submitted_at=now,
        when_to_see=when_to_see,
    )


def age_on(birth_date: date, day: date) -> int:
    """Completed years (29 February birthdays count from 1 March in other years)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def _when_to_see(
    see_from: date | None, see_by: date | None, today: date, problem: _Problem
) -> WhenToSee | None:
    latest = add_months(today, SEE_WITHIN_MONTHS)
    ok = True
    for field, day, label in (
        ("see_from", see_from, "The date you can be seen from"),
        ("see_by", see_by, "The date you would like to be seen by"),
    ):
        if day is None:
            continue
        if day < today:
            problem(field, f"{label} must be today or later")
            ok = False
        elif day > latest:
            problem(
                field,
                f"{label} must be within {SEE_WITHIN_MONTHS} months of today "
                f"(by {latest.isoformat()}); if you need help later than that, refer yourself "
                "nearer the time",
            )
            ok = False
    if ok and see_from is not None and see_by is not None and see_by < see_from:
        problem(
            "see_by",
            "The date you would like to be seen by must be on or after the date you can be "
            "seen from",
        )
        ok = False
    if not ok or (see_from is None and see_by is None):
        return None
    return WhenToSee(
        start=SeenWhen(see_from.isoformat()) if see_from else None,
        end=SeenWhen(see_by.isoformat()) if see_by else None,
    )


def normalise_uk_phone(value: str) -> str | None:
    """E.164 (+447700900123) from any usual UK spelling, or None when it is not one."""
    compact = re.sub(r"[\s\-().]", "", value)
    match = _UK_PHONE.match(compact)
    return f"+44{match['subscriber']}" if match else None


def _name(value: str, field: str, problem: _Problem) -> str:
    name = " ".join(value.split())
    label = "first name" if field == "given_name" else "last name"
    if not name:
        problem(field, f"Enter your {label}")
    elif len(name) > NAME_MAX_LENGTH:
        problem(field, f"Your {label} must be {NAME_MAX_LENGTH} characters or fewer")
    elif not all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in name):
        problem(field, f"Your {label} can only have letters, spaces, hyphens and apostrophes")
    return name


def _nhs_number(value: str | None, problem: _Problem) -> str | None:
    if value is None or not value.strip():
        return None
    digits = value.strip().replace(" ", "").replace("-", "")
    if not is_valid_nhs_number(digits):
        problem("nhs_number", "Check your NHS number: it is 10 digits, like 943 476 5919")
        return None
    return digits


def _phone(value: str | None, problem: _Problem) -> str | None:
    if value is None or not value.strip():
        return None
    phone = normalise_uk_phone(value)
    if phone is None:
        problem("phone", "Enter a UK phone number, like 01743 123456 or 07700 900123")
    return phone


def _email(value: str | None, problem: _Problem) -> str | None:
    if value is None or not value.strip():
        return None
    email = value.strip()
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL.match(email):
        problem("email", "Enter an email address like name@example.com")
        return None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
