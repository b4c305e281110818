"""Referral → FHIR R4 ServiceRequest JSON, as every reader of the referral sees it.

intent is `plan` for a predictive referral (the programme proposes to act on a risk score) and
`order` for a direct one. Each route that referred the patient is one category; linked arrivals
also appear as a `linked-referral` extension and a plain-text note, and their identifiers are
all listed so a conditional create by any of them finds this referral. The subject is the NHS
number where known, else a contained Patient built from the self-referral form, else the
programme's patient key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from referrals.domain.nhs_number import NHS_NUMBER_SYSTEM
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import SubmittedDemographics
from referrals.domain.referral_requests import Arrival, ReferrerIdentifier
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import (
    ODS_ORGANISATION_SYSTEM,
    PATIENT_KEY_SYSTEM,
    PROGRAMME_SYSTEM,
    ROUTE_DISPLAY,
    ROUTE_SYSTEM,
    ReferralRoute,
)
from referrals.fhir import extensions as ext

Json = dict[str, Any]

PROGRAMME_DISPLAY = {"case-management": "Case management (Care Closer to Home)"}
_CONTAINED_PATIENT_ID = "patient"


def fhir_instant(moment: datetime) -> str:
    """UTC instant with milliseconds and Z, as FHIR servers usually write it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_service_request(referral: Referral) -> Json:
    """The referral as an R4 ServiceRequest (validates with fhir.resources and the R4 schema)."""
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": referral.referral_id,
        "meta": {
            "versionId": str(referral.version),
            "lastUpdated": fhir_instant(referral.last_updated or referral.received_at),
        },
    }
    if referral.demographics is not None and referral.patient.nhs_number is None:
        resource["contained"] = [_contained_patient(referral.demographics)]
    extensions = _extensions(referral)
    if extensions:
        resource["extension"] = extensions
    if referral.identifiers:
        resource["identifier"] = [_identifier(i) for i in referral.identifiers]
    resource |= {
        "status": referral.status.value,
        "intent": "plan" if referral.is_predictive else "order",
        "category": [{"coding": [_route_coding(route)]} for route in referral.routes],
        "priority": referral.priority.value,
        "code": {
            "coding": [
                {
                    "system": PROGRAMME_SYSTEM,
                    "code": referral.programme,
                    "display": PROGRAMME_DISPLAY.get(referral.programme, referral.programme),
                }
            ],
            "text": PROGRAMME_DISPLAY.get(referral.programme, referral.programme),
        },
        "subject": _subject(referral),
        **_occurrence(referral.when_to_see),
        "authoredOn": fhir_instant(referral.authored_on),
        "requester": {"reference": referral.requester.text},
    }
    if referral.reasons:
        resource["reasonCode"] = [
            {"coding": [_drop_none({"system": r.system, "code": r.code, "display": r.display})]}
            for r in referral.reasons
        ]
    notes = _notes(referral)
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def _occurrence(when: WhenToSee | None) -> Json:
    """occurrenceDateTime or occurrencePeriod, each bound as the referrer wrote it."""
    if when is None:
        return {}
    if when.at is not None:
        return {"occurrenceDateTime": when.at.text}
    period = {
        name: bound.text for name, bound in (("start", when.start), ("end", when.end)) if bound
    }
    return {"occurrencePeriod": period}


def _route_coding(route: ReferralRoute) -> Json:
    return {"system": ROUTE_SYSTEM, "code": route.value, "display": ROUTE_DISPLAY[route]}


def _identifier(identifier: ReferrerIdentifier) -> Json:
    return {"system": identifier.system, "value": identifier.value}


def _subject(referral: Referral) -> Json:
    if referral.patient.nhs_number is not None:
        return {
            "type": "Patient",
            "identifier": {"system": NHS_NUMBER_SYSTEM, "value": referral.patient.nhs_number},
        }
    if referral.demographics is not None:
        return {"reference": f"#{_CONTAINED_PATIENT_ID}", "type": "Patient"}
    return {
        "type": "Patient",
        "identifier": {"system": PATIENT_KEY_SYSTEM, "value": referral.patient.patient_key},
    }


def _contained_patient(details: SubmittedDemographics) -> Json:
    telecom = []
    if details.phone:
        telecom.append({"system": "phone", "value": details.phone})
    if details.email:
        telecom.append({"system": "email", "value": details.email})
    patient: Json = {
        "resourceType": "Patient",
        "id": _CONTAINED_PATIENT_ID,
        "name": [{"family": details.family_name, "given": [details.given_name]}],
        "birthDate": details.birth_date.isoformat(),
        "address": [{"postalCode": details.postcode, "country": "GB"}],
    }
    if telecom:
        patient["telecom"] = telecom
    return patient


def _extensions(referral: Referral) -> list[Json]:
    received = fhir_instant(referral.received_at)
    found: list[Json] = [{"url": ext.RECEIVED_AT, "valueInstant": received}]
    if referral.practice_code:
        found.append(
            {
                "url": ext.GP_PRACTICE,
                "valueIdentifier": {
                    "system": ODS_ORGANISATION_SYSTEM,
                    "value": referral.practice_code,
                },
            }
        )
    if referral.locality:
        found.append({"url": ext.LOCALITY, "valueCode": referral.locality.value})
    if referral.tier:
        found.append({"url": ext.RISK_TIER, "valueCode": referral.tier.value})
    if referral.crisis:
        found.append(
            {
                "url": ext.CRISIS,
                "extension": [
                    {"url": ext.CRISIS_POSTCODE, "valueString": referral.crisis.postcode},
                    {"url": ext.CRISIS_REASON, "valueString": referral.crisis.reason},
                ],
            }
        )
    found.extend(_linked(arrival) for arrival in referral.arrivals[1:])
    return found


def _linked(arrival: Arrival) -> Json:
    parts: list[Json] = [
        {"url": "route", "valueCoding": _route_coding(arrival.route)},
        {"url": "receivedAt", "valueDateTime": fhir_instant(arrival.received_at)},
        {"url": "requester", "valueReference": {"reference": arrival.requester.text}},
    ]
    if arrival.referrer_identifier:
        parts.append(
            {"url": "identifier", "valueIdentifier": _identifier(arrival.referrer_identifier)}
        )
    return {"url": ext.LINKED_REFERRAL, "extension": parts}


def _notes(referral: Referral) -> list[str]:
    notes = [a.note for a in referral.arrivals if a.note]
    for arrival in referral.arrivals[1:]:
        notes.append(
            f"Linked referral: {ROUTE_DISPLAY[arrival.route]} ({arrival.priority.value}) "
            f"received {fhir_instant(arrival.received_at)} from {arrival.requester.text}"
        )
    return notes


def rendered_notes(referral: Referral) -> list[str]:
    """The note texts the ServiceRequest shows, as a client echoes them back in an update."""
    return _notes(referral)


def opening_note(referral: Referral, texts: list[str]) -> str:
    """An update's note for the opening referral: its texts without those shown for linked ones."""
    linked = {a.note for a in referral.arrivals[1:] if a.note}
    shown = set(_notes(referral)) - ({referral.arrivals[0].note} if referral.arrivals else set())
    return "\n".join(t for t in texts if t and t not in linked and t not in shown)


def _drop_none(values: Json) -> Json:
    return {k: v for k, v in values.items() if v is not None}
