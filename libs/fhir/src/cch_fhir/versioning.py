"""Version-aware headers: ETag W/"n", Last-Modified, If-Match (weak ETags only)."""

import re
from datetime import datetime
from email.utils import format_datetime

from cch_fhir.errors import FhirError

_WEAK = re.compile(r'^W/"(\d+)"$')


def etag(version: int) -> str:
    return f'W/"{version}"'


def last_modified(at: datetime) -> str:
    return format_datetime(at, usegmt=True)


def parse_if_match(value: str | None) -> int | None:
    """None when absent; a 400 when present but not a weak ETag with a version number."""
    if value is None:
        return None
    match = _WEAK.match(value.strip())
    if match is None:
        raise FhirError.of(
            400, "invalid", f'If-Match must be a weak ETag such as W/"3", got {value!r}', "If-Match"
        )
    return int(match.group(1))


def version_headers(version: int, at: datetime, location: str | None = None) -> dict[str, str]:
    headers = {"ETag": etag(version), "Last-Modified": last_modified(at)}
    if location:
        headers["Location"] = location
        headers["Content-Location"] = location
    return headers
