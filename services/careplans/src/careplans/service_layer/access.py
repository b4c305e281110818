"""Need-to-know: a user reaches a patient's records only while on that patient's CareTeam."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.tables import access_audit, resource
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_fhir.errors import FhirError
from cch_servicekit.audit import record_access

NOT_PERMITTED = "not permitted: the record is not known, or you are not on this patient's care team"


def require_scope(principal: Principal, rtype: str, interaction: Interaction) -> None:
    if not principal.permits(rtype, interaction):
        raise FhirError.of(
            403,
            "forbidden",
            f"your token's scopes do not allow {interaction.name.lower()} of {rtype}",
        )


def is_system(principal: Principal, rtype: str, interaction: Interaction) -> bool:
    return principal.has_system_scope(rtype, interaction)


def team_patients(practitioner_id: str) -> Any:
    """SELECT of the patient ids whose CareTeam lists the practitioner (a subquery)."""
    return sa.select(resource.c.patient_id).where(
        resource.c.type == "CareTeam",
        resource.c.deleted.is_(False),
        resource.c.status.in_(("active", "proposed")),
        resource.c.participants.contains([practitioner_id]),
    )


def patient_filter(principal: Principal, rtype: str, interaction: Interaction) -> Any:
    """None for system callers; otherwise a condition keeping only the user's patients."""
    if is_system(principal, rtype, interaction):
        return None
    if not principal.practitioner_id:
        return sa.false()
    return resource.c.patient_id.in_(team_patients(principal.practitioner_id))


async def on_care_team(session: AsyncSession, patient_id: str | None, practitioner_id: str) -> bool:
    if not patient_id:
        return False
    stmt = sa.select(
        sa.exists(team_patients(practitioner_id).where(resource.c.patient_id == patient_id))
    )
    return bool((await session.execute(stmt)).scalar())


async def may_reach_patient(
    session: AsyncSession,
    principal: Principal,
    *,
    rtype: str,
    interaction: Interaction,
    patient_id: str | None,
) -> bool:
    if is_system(principal, rtype, interaction):
        return True
    if not principal.practitioner_id:
        return False
    return await on_care_team(session, patient_id, principal.practitioner_id)


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
