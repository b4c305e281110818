"""What every ServiceRequest response carries: version headers, the subject's audit key, and
a refused body's OperationOutcome."""

from datetime import datetime
from typing import Any

from fastapi import Request

from cch_contracts import patient_key
from cch_fhir.bundle import fhir_base
from cch_fhir.http import FhirResponse
from cch_fhir.versioning import version_headers
from referrals.domain.nhs_number import NHS_NUMBER_SYSTEM
from referrals.fhir.service_request import ParsedServiceRequest

RTYPE = "ServiceRequest"


def subject_key(resource: dict[str, Any]) -> str | None:
    """The opaque key the audit row names the patient by."""
    ident = (resource.get("subject") or {}).get("identifier") or {}
    value = ident.get("value")
    if ident.get("system") == NHS_NUMBER_SYSTEM and value:
        return patient_key(value)
    return value if isinstance(value, str) else None


def parse_outcome(parsed: ParsedServiceRequest) -> FhirResponse:
    return FhirResponse(parsed.operation_outcome(), status_code=parsed.http_status)


def resource_headers(request: Request, resource: dict[str, Any]) -> dict[str, str]:
    """ETag, Last-Modified and the version's Location, from the stored resource."""
    version = int(resource["meta"]["versionId"])
    at = datetime.fromisoformat(resource["meta"]["lastUpdated"].replace("Z", "+00:00"))
    location = f"{fhir_base(request)}/{RTYPE}/{resource['id']}/_history/{version}"
    return version_headers(version, at, location)
