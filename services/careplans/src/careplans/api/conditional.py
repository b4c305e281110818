"""Conditional create and update: resolving the criteria, and answering a create that matched.

Two callers sending one condition at once are answered as if one had come after the other: the
condition is a lock each holds while it looks and writes, so the second sees what the first
stored. A Patient can also be reached by another condition (its NHS number or its platform key)
or by a plain create; there the unique NHS number decides, and the loser looks again.
"""

from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.resource_store import ResourceStore
from careplans.service_layer import access
from careplans.service_layer.resources import PatientAlreadyHeld, Resources, Written
from careplans.service_layer.search import search
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_fhir.errors import FhirError, Issue, operation_outcome
from cch_fhir.http import FhirResponse
from cch_messaging import MessagingUnitOfWork


async def create_unless_held(
    uow: MessagingUnitOfWork,
    principal: Principal,
    body: dict[str, Any],
    *,
    criteria: str,
    base: str,
) -> Written | Response:
    """POST with If-None-Exist: the new resource, or (200) the one the criteria already match."""
    rtype = str(body["resourceType"])
    await _serialise(uow, rtype, criteria)
    if found := await _one_match(uow.session, principal, rtype, criteria):
        return await already_held(uow.session, principal, found, base=base)
    try:
        async with _undone_if_refused(uow, rtype):
            return await Resources(uow, principal).create(body)
    except PatientAlreadyHeld:
        # stored meanwhile under another condition or none: the answer a second caller gets
        if found := await _one_match(uow.session, principal, rtype, criteria):
            return await already_held(uow.session, principal, found, base=base)
        raise


async def update_or_create(
    uow: MessagingUnitOfWork,
    principal: Principal,
    body: dict[str, Any],
    *,
    criteria: str,
    if_match: int | None,
) -> Written:
    """PUT Type?criteria: updates the one match, or creates when nothing matches."""
    rtype = str(body["resourceType"])
    await _serialise(uow, rtype, criteria)
    found = await _one_match(uow.session, principal, rtype, criteria, code="multiple-matches")
    if found is None:
        if body.get("id"):
            raise FhirError.of(400, "invalid", "no match: a new resource cannot carry an id")
        try:
            async with _undone_if_refused(uow, rtype):
                return await Resources(uow, principal).create(body)
        except PatientAlreadyHeld:
            found = await _one_match(uow.session, principal, rtype, criteria)
            if found is None:
                raise
    rid = found["id"]
    if body.get("id") not in (None, rid):
        raise FhirError.of(400, "invalid", "the body's id is not the matched resource's id")
    return await Resources(uow, principal).update(
        rtype, rid, {**body, "id": rid}, if_match=if_match
    )


async def _serialise(uow: MessagingUnitOfWork, rtype: str, criteria: str) -> None:
    """One condition (however its parameters are ordered or encoded) is handled by one request
    at a time; different conditions do not wait for each other."""
    params = sorted(parse_qsl(criteria.lstrip("?"), keep_blank_values=True))
    await ResourceStore(uow.session).serialise(f"careplans:conditional:{rtype}?{urlencode(params)}")


def _undone_if_refused(uow: MessagingUnitOfWork, rtype: str) -> AbstractAsyncContextManager[Any]:
    """A Patient is written in a savepoint, so a refused duplicate leaves the transaction usable
    (to look again and answer); other types have no unique identity to be refused on."""
    return uow.session.begin_nested() if rtype == "Patient" else nullcontext()


async def _one_match(
    session: AsyncSession,
    principal: Principal,
    rtype: str,
    criteria: str,
    *,
    code: str = "duplicate",
) -> dict[str, Any] | None:
    matches = await conditional_matches(session, principal, rtype, criteria)
    if len(matches) > 1:
        raise FhirError.of(412, code, "the condition matched more than one resource")
    return matches[0] if matches else None


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
