"""FHIR R4 (4.0.1) REST mechanics shared by every FHIR endpoint."""

from cch_fhir.errors import FhirError, Issue
from cch_fhir.http import FHIR_JSON, FhirResponse
from cch_fhir.versioning import etag, parse_if_match

__all__ = ["FHIR_JSON", "FhirError", "FhirResponse", "Issue", "etag", "parse_if_match"]
