"""Who a referral is about: an opaque key for events, the NHS number where it is known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from referrals.domain.errors import InvalidReferral
from referrals.domain.nhs_number import normalise_nhs_number


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """The caller supplies the key (a keyed hash of the NHS number, or a traced-patient key)."""

    patient_key: str
    nhs_number: str | None = None

    def __post_init__(self) -> None:
        if not self.patient_key.strip():
            raise InvalidReferral("a referral must name its patient (patient key)")
        if self.nhs_number is not None:
            object.__setattr__(self, "nhs_number", normalise_nhs_number(self.nhs_number))


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmittedDemographics:
    """What a self-referring patient told us about themselves, for tracing and contact."""

    given_name: str
    family_name: str
    birth_date: date
    postcode: str
    phone: str | None = None
    email: str | None = None
