"""Request-scoped helpers: the clock, FHIR scope checks, the audit row."""

from typing import Annotated, Any

from fastapi import Depends

from cch_auth import Interaction, Principal
from cch_auth.errors import forbidden
from cch_servicekit import PrincipalDep, RuntimeDep
from cch_servicekit.audit import record_access
from cch_servicekit.runtime import Runtime
from referrals.adapters.access_log import Accessor
from referrals.adapters.tables import access_audit
from referrals.domain.clock import Clock, SystemClock

TRIAGE_ROLES = ("case-manager", "clinician")


def clock_of(runtime: Runtime) -> Clock:
    """The service clock (tests may put a FakeClock in runtime.extras['clock'])."""
    clock: Clock = runtime.extras.setdefault("clock", SystemClock())
    return clock


async def get_clock(runtime: RuntimeDep) -> Clock:
    return clock_of(runtime)


ClockDep = Annotated[Clock, Depends(get_clock)]


def require_fhir_scope(principal: Principal, interaction: Interaction) -> None:
    """The caller needs a SMART scope for ServiceRequest (or the admin role)."""
    if not (principal.permits("ServiceRequest", interaction) or principal.has_role()):
        raise forbidden(f"scope for ServiceRequest.{interaction.value} is required")


def fhir_scope(interaction: Interaction) -> Any:
    """require_fhir_scope as a dependency."""

    async def check(principal: PrincipalDep) -> Principal:
        require_fhir_scope(principal, interaction)
        return principal

    return check


async def audit(
    session: Any,
    principal: Principal,
    *,
    interaction: str,
    resource_id: str | None,
    patient_key: str | None,
    resource_type: str = "ServiceRequest",
    outcome: str = "0",
    detail: str | None = None,
) -> None:
    await record_access(
        session,
        access_audit,
        principal=principal,
        interaction=interaction,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_key=patient_key,
        outcome=outcome,
        detail=detail,
    )


def accessor(principal: Principal, *, detail_prefix: str) -> Accessor:
    """The caller as the audit row of a write the store records itself names them."""
    return Accessor(
        actor=principal.actor,
        roles=tuple(principal.roles),
        organisation=principal.organisation,
        detail_prefix=detail_prefix,
    )
