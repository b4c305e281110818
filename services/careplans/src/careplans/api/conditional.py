"""Conditional create and update: resolving the criteria, and answering a create that matched."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.service_layer import access
from careplans.service_layer.search import search
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_fhir.errors import FhirError, Issue, operation_outcome
from cch_fhir.http import FhirResponse


async def already_held(
    session: AsyncSession, principal: Principal, found: dict[str, Any], *, base: str
) -> Response:
    """Conditional create that matched: 200 and nothing stored. The resource comes back only to
    a caller who may read it; a Patient is matched on every patient held (one per NHS number),
    so a caller not yet on its care team gets the id (Location, to register its CareTeam) and
    an OperationOutcome instead of the content."""
    rtype, rid, version = found["resourceType"], found["id"], found["meta"]["versionId"]
    readable = await access.decide(
        session,
        principal,
        rtype=rtype,
        interaction=Interaction.READ,
        patient_id=found["id"] if rtype == "Patient" else _patient_of(found),
        at=datetime.now(UTC),
    )
    await access.audit(
        session,
        principal,
        interaction="read",
        rtype=rtype,
        rid=rid,
        patient_key=None,
        detail="conditional create matched" + ("" if readable else "; content withheld"),
    )
    location = f"{base}/{rtype}/{rid}/_history/{version}"
    headers = {"ETag": f'W/"{version}"', "Location": location}
    if readable:
        return FhirResponse(found, status_code=200, headers=headers)
    outcome = operation_outcome(
        [
            Issue(
                "duplicate",
                f"{rtype}/{rid} already matches If-None-Exist; nothing was created. Its content "
                "is not returned: you are not on this patient's care team",
                "information",
            )
        ]
    )
    return FhirResponse(outcome, status_code=200, headers=headers)


def _patient_of(found: dict[str, Any]) -> str | None:
    ref = str((found.get("subject") or {}).get("reference", ""))
    return ref.rsplit("/", 1)[-1] if ref.split("/")[-2:-1] == ["Patient"] else None


async def conditional_matches(
    session: AsyncSession, principal: Principal, rtype: str, query: str
) -> list[dict[str, Any]]:
    """Matches of a conditional interaction's criteria. Patients are matched among every patient
    held, so an NHS number names one Patient whoever asks; other types among those the caller
    may see (a match the caller cannot see would be one it must not learn of)."""
    params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not params:
        raise FhirError.of(400, "invalid", "a conditional request needs search parameters")
    result = await search(
        session,
        principal,
        rtype,
        [*params, ("_count", "2")],
        strict=True,
        at=datetime.now(UTC),
        need_to_know=rtype != "Patient",
    )
    return result.matches
