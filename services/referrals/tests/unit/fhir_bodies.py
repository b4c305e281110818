"""A valid ServiceRequest body and parse helpers shared by the FHIR unit tests."""

from __future__ import annotations

from typing import Any

from referrals.domain.vocabulary import ICD_10, ROUTE_SYSTEM, SNOMED_CT
from referrals.fhir import extensions as ext
from referrals.fhir.service_request import ParsedServiceRequest, parse_service_request

from .conftest import START

NHS = "9434765919"
NOW = START


def key_for(nhs: str) -> str:
    return f"pk-{nhs}"


def body(**changes: Any) -> dict[str, Any]:
    """A valid GP referral; keyword changes replace top-level elements (None removes one)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://gp.example.nhs.uk/Id/referral", "value": "R-1"}],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": ROUTE_SYSTEM, "code": "gp"}]}],
        "priority": "routine",
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}},
        "authoredOn": "2024-03-28T10:15:00+01:00",
        "requester": {"reference": "Practitioner/dr-smith"},
        "reasonCode": [
            {"coding": [{"system": SNOMED_CT, "code": "13645005", "display": "COPD"}]},
            {"coding": [{"system": ICD_10, "code": "J44.1"}]},
        ],
        "extension": [
            {
                "url": ext.GP_PRACTICE,
                "valueIdentifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "m82001",
                },
            },
            {"url": ext.LOCALITY, "valueCode": "central"},
        ],
        "note": [{"text": "Frequent exacerbations"}],
    }
    for name, value in changes.items():
        if value is None:
            resource.pop(name, None)
        else:
            resource[name] = value
    return resource


def parse(resource: object, **kwargs: Any) -> ParsedServiceRequest:
    return parse_service_request(resource, now=NOW, patient_key_for=key_for, **kwargs)


def only_issue(resource: object, **kwargs: Any) -> tuple[str, str, str, int]:
    result = parse(resource, **kwargs)
    assert result.request is None
    errors = [i for i in result.issues if i.is_error]
    assert len(errors) == 1, errors
    issue = errors[0]
    return issue.code.value, issue.expression, issue.diagnostics, result.http_status
