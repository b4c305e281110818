"""The Patient a referral names, as `_include=ServiceRequest:patient` returns it.

Referrals holds no patient record of its own: the Patient is what the referrals say about the
person (NHS number, the programme's patient key, what a self-referral form gave). Its id is the
opaque patient key, so the same person is one Patient across every page of a search.
"""

from __future__ import annotations

from typing import Any

from referrals.domain.nhs_number import NHS_NUMBER_SYSTEM
from referrals.domain.vocabulary import PATIENT_KEY_SYSTEM

Json = dict[str, Any]


def to_patient(patient_key: str, nhs_number: str | None, demographics: Json | None) -> Json:
    """A minimal R4 Patient from a referral's stored identity and form details."""
    identifiers = [{"system": PATIENT_KEY_SYSTEM, "value": patient_key}]
    if nhs_number:
        identifiers.insert(0, {"system": NHS_NUMBER_SYSTEM, "value": nhs_number})
    patient: Json = {"resourceType": "Patient", "id": patient_key, "identifier": identifiers}
    if demographics:
        patient["name"] = [
            {"family": demographics["family_name"], "given": [demographics["given_name"]]}
        ]
        patient["birthDate"] = demographics["birth_date"]
        patient["address"] = [{"postalCode": demographics["postcode"], "country": "GB"}]
        telecom = [
            {"system": system, "value": demographics[field]}
            for system, field in (("phone", "phone"), ("email", "email"))
            if demographics.get(field)
        ]
        if telecom:
            patient["telecom"] = telecom
    return patient
