"""Searchset and history Bundles with `_count` paging links."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

DEFAULT_COUNT = 20
MAX_COUNT = 100
OFFSET_PARAM = "_offset"


def public_base(request: Request) -> str:
    """The base URL the client used, honouring a gateway's X-Forwarded-* headers."""
    proto = request.headers.get("x-forwarded-proto") or request.scope.get("scheme", "http")
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or "localhost"
    prefix = (request.headers.get("x-forwarded-prefix") or "").rstrip("/")
    return f"{proto}://{host}{prefix}"


def fhir_base(request: Request) -> str:
    """Every FHIR endpoint here lives under /fhir; resources' fullUrls hang off that base."""
    return f"{public_base(request)}/fhir"


def page_links(
    request: Request, *, total: int, offset: int, count: int, path: str | None = None
) -> list[dict[str, str]]:
    base = public_base(request) + (path or request.url.path)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != OFFSET_PARAM]

    def url(at: int) -> str:
        query = params + ([(OFFSET_PARAM, str(at))] if at else [])
        return f"{base}?{urlencode(query)}" if query else base

    links = [{"relation": "self", "url": url(offset)}, {"relation": "first", "url": url(0)}]
    if offset > 0:
        links.append({"relation": "previous", "url": url(max(0, offset - count))})
    if count and offset + count < total:
        links.append({"relation": "next", "url": url(offset + count)})
    if count and total:
        links.append({"relation": "last", "url": url(((total - 1) // count) * count)})
    return links


def searchset(
    request: Request,
    *,
    matches: Sequence[Mapping[str, Any]],
    includes: Sequence[Mapping[str, Any]] = (),
    total: int,
    offset: int,
    count: int,
    outcome: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    base = fhir_base(request)
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in matches
    ]
    entries += [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "include"},
        }
        for r in includes
    ]
    if outcome:
        entries.append({"resource": dict(outcome), "search": {"mode": "outcome"}})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": datetime.now(UTC).isoformat(),
        "total": total,
        "link": page_links(request, total=total, offset=offset, count=count),
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def history(
    request: Request,
    *,
    versions: Sequence[tuple[Mapping[str, Any], str]],
    total: int,
    offset: int,
    count: int,
) -> dict[str, Any]:
    """`versions` are (resource, method) newest first; method is POST, PUT or DELETE."""
    base = fhir_base(request)
    entries = []
    for resource, method in versions:
        rtype, rid = resource["resourceType"], resource["id"]
        vid = resource.get("meta", {}).get("versionId", "1")
        entries.append(
            {
                "fullUrl": f"{base}/{rtype}/{rid}",
                "resource": resource,
                "request": {
                    "method": method,
                    "url": f"{rtype}/{rid}" if method != "POST" else rtype,
                },
                "response": {
                    "status": "201 Created" if method == "POST" else "200 OK",
                    "etag": f'W/"{vid}"',
                    "lastModified": resource.get("meta", {}).get("lastUpdated"),
                },
            }
        )
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "history",
        "timestamp": datetime.now(UTC).isoformat(),
        "total": total,
        "link": page_links(request, total=total, offset=offset, count=count),
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def paging(count: str | None, offset: str | None) -> tuple[int, int]:
    """Validated (count, offset): bad values are 400s, large counts capped as the spec allows."""
    from cch_fhir.errors import FhirError

    try:
        c = DEFAULT_COUNT if count in (None, "") else int(count)
        o = 0 if offset in (None, "") else int(offset)
    except ValueError as exc:
        raise FhirError.of(400, "invalid", "_count and _offset must be whole numbers") from exc
    if c < 0 or o < 0:
        raise FhirError.of(400, "invalid", "_count and _offset must not be negative")
    return min(c, MAX_COUNT), o
