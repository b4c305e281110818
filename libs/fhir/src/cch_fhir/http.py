"""`application/fhir+json` responses and request-body parsing with size and JSON checks."""

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from cch_fhir.errors import FhirError, operation_outcome

FHIR_JSON = "application/fhir+json"
FHIR_VERSION_PARAM = "fhirVersion=4.0"
MAX_BODY_BYTES = 1_048_576
_ACCEPTED = ("application/fhir+json", "application/json", "application/json+fhir")


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def outcome_response(error: FhirError, headers: dict[str, str] | None = None) -> FhirResponse:
    return FhirResponse(operation_outcome(error.issues), status_code=error.status, headers=headers)


async def read_resource(request: Request, *, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx OperationOutcome saying what is wrong."""
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype and ctype not in _ACCEPTED:
        raise FhirError.of(415, "not-supported", f"content type {ctype!r}: use {FHIR_JSON}")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FhirError.of(413, "too-costly", f"body over the {max_bytes}-byte limit")
    body = await request.body()
    if len(body) > max_bytes:
        raise FhirError.of(413, "too-costly", f"body over the {max_bytes}-byte limit")
    if not body:
        raise FhirError.of(400, "required", "request body is empty")
    try:
        parsed = orjson.loads(body)  # strict JSON: no NaN or Infinity, valid UTF-8 only
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirError.of(400, "structure", f"body is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise FhirError.of(400, "structure", "body must be a JSON object (a FHIR resource)")
    return parsed


def expect_type(resource: dict[str, Any], resource_type: str) -> None:
    found = resource.get("resourceType")
    if found != resource_type:
        raise FhirError.of(
            400,
            "invalid",
            f"resourceType is {found!r}; this endpoint takes {resource_type}",
            "resourceType",
        )
