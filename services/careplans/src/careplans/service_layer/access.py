"""Need-to-know in the service layer: loads care teams, asks the domain policy, audits.

The rules themselves live in domain/access.py; this module only fetches the patient's care
teams from the store, turns a deny into a 403 OperationOutcome that does not say whether the
record exists, and writes every access (allowed or not) to the audit trail.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.care_team_members import reaches
from careplans.adapters.resource_tables import among
from careplans.adapters.tables import access_audit, care_team_member
from careplans.domain.access import (
    TEAM_STATUSES_GRANTING,
    AccessPolicy,
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


async def decide(
    session: AsyncSession,
    principal: Principal,
    *,
    rtype: str,
    interaction: Interaction,
    patient_id: str | None,
    at: datetime,
    proposed_team: dict[str, Any] | None = None,
) -> bool:
    """Whether the policy lets the caller reach one patient's record (Grants.allows, with the
    patient's care teams as the store holds them); `proposed_team` is a CareTeam being created,
    which counts (so an organisation can register its own team for a patient)."""
    grants = POLICY.grants(principal, resource_type=rtype, interaction=interaction)
    proposed = patient_care_team(proposed_team) if proposed_team is not None else None
    if grants.allows(patient_id, [proposed] if proposed else [], at):
        return True
    if not grants.any_scope or patient_id is None:
        return False
    return await reaches(session, care_team_member, grants=grants, patient_id=patient_id, at=at)


async def visible_patients(
    session: AsyncSession, principal: Principal, *, rtype: str, at: datetime
) -> set[str] | None:
    """None when the caller sees every patient; else the patient ids a search may return
    (those `SearchRestriction.sees`, found in one query over the care-team member rows)."""
    restriction: SearchRestriction = POLICY.search_restriction(
        principal, resource_type=rtype, at=at
    )
    if not restriction.allowed:
        require_scope(principal, rtype, Interaction.SEARCH)
        raise denied()
    if restriction.unrestricted:
        return None
    candidates: set[str] = set(restriction.patient_ids)
    if restriction.practitioner_ids or restriction.organisation_ids:
        m = care_team_member
        rows = await session.execute(
            sa.select(m.c.patient_id)
            .distinct()
            .where(
                among(m.c.team_status, TEAM_STATUSES_GRANTING),
                sa.or_(m.c.starts.is_(None), m.c.starts <= at),
                sa.or_(m.c.ends.is_(None), m.c.ends > at),
                sa.or_(
                    among(m.c.practitioner_id, restriction.practitioner_ids),
                    among(m.c.organisation_id, restriction.organisation_ids),
                ),
            )
        )
        candidates |= {r.patient_id for r in rows}
    return candidates


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
