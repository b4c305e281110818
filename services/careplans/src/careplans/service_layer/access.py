"""Need-to-know in the service layer: loads care teams, asks the domain policy, audits.

The rules themselves live in domain/access.py; this module only fetches the patient's care
teams from the store, turns a deny into a 403 OperationOutcome that does not say whether the
record exists, and writes every access (allowed or not) to the audit trail.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.tables import access_audit, resource
from careplans.domain.access import (
    AccessDecision,
    AccessPolicy,
    PatientCareTeam,
    SearchRestriction,
)
from careplans.fhir.care_teams import patient_care_team
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_fhir.errors import FhirError
from cch_servicekit.audit import record_access

NOT_PERMITTED = "not permitted: the record is not known, or you are not on this patient's care team"
PLATFORM_ORGANISATION = "cch-platform"
POLICY = AccessPolicy(trusted_system_organisations=frozenset({PLATFORM_ORGANISATION}))


def require_scope(principal: Principal, rtype: str, interaction: Interaction) -> None:
    """403 before anything is looked up when no SMART scope grants the interaction."""
    if not principal.permits(rtype, interaction):
        raise FhirError.of(
            403,
            "forbidden",
            f"your token's scopes do not allow {interaction.name.lower()} of {rtype}",
        )


def denied() -> FhirError:
    return FhirError.of(403, "forbidden", NOT_PERMITTED)


async def care_teams_of(session: AsyncSession, patient_ids: Iterable[str]) -> list[PatientCareTeam]:
    ids = [p for p in patient_ids if p]
    if not ids:
        return []
    rows = await session.execute(
        sa.select(resource.c.content).where(
            resource.c.type == "CareTeam",
            resource.c.deleted.is_(False),
            resource.c.patient_id.in_(ids),
        )
    )
    teams = (patient_care_team(r.content) for r in rows)
    return [t for t in teams if t is not None]


async def decide(
    session: AsyncSession,
    principal: Principal,
    *,
    rtype: str,
    interaction: Interaction,
    patient_id: str | None,
    at: datetime,
    proposed_team: dict[str, Any] | None = None,
) -> AccessDecision:
    """The policy's decision on one patient's record; `proposed_team` is a CareTeam being
    created, which counts (so an organisation can register its own team for a patient)."""
    teams = await care_teams_of(session, [patient_id] if patient_id else [])
    if proposed_team is not None and (team := patient_care_team(proposed_team)) is not None:
        teams.append(team)
    return POLICY.decide(
        principal,
        resource_type=rtype,
        interaction=interaction,
        patient_id=patient_id,
        care_teams=teams,
        at=at,
    )


async def visible_patients(
    session: AsyncSession, principal: Principal, *, rtype: str, at: datetime
) -> set[str] | None:
    """None when the caller sees every patient; else the patient ids a search may return."""
    restriction: SearchRestriction = POLICY.search_restriction(
        principal, resource_type=rtype, at=at
    )
    if not restriction.allowed:
        require_scope(principal, rtype, Interaction.SEARCH)
        raise denied()
    if restriction.unrestricted:
        return None
    members = [f"Practitioner/{p}" for p in restriction.practitioner_ids]
    members += [f"Organization/{o}" for o in restriction.organisation_ids]
    candidates: set[str] = set(restriction.patient_ids)
    if members:
        rows = await session.execute(
            sa.select(resource.c.patient_id)
            .where(
                resource.c.type == "CareTeam",
                resource.c.deleted.is_(False),
                resource.c.participants.overlap(members),
            )
            .distinct()
        )
        candidates |= {r.patient_id for r in rows if r.patient_id}
    teams = await care_teams_of(session, candidates)
    return {p for p in candidates if restriction.sees(p, teams)}


async def audit(
    session: AsyncSession,
    principal: Principal,
    *,
    interaction: str,
    rtype: str,
    rid: str | None,
    patient_key: str | None,
    outcome: str = "0",
    detail: str | None = None,
) -> None:
    await record_access(
        session,
        access_audit,
        principal=principal,
        interaction=interaction,
        resource_type=rtype,
        resource_id=rid,
        patient_key=patient_key,
        outcome=outcome,
        detail=detail,
    )
