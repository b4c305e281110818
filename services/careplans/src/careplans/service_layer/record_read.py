"""Read by id, the hot path: one statement checks need-to-know, audits and returns the JSON."""

from datetime import datetime

from careplans.adapters.record_reads import RecordRead, read_and_audit
from careplans.service_layer import access
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_db.driver_pool import DriverPool
from cch_fhir.errors import gone, not_found


async def read_record(
    pool: DriverPool, principal: Principal, *, rtype: str, rid: str, at: datetime
) -> RecordRead:
    """The stored record for a caller who may read it; 403 (never saying whether it exists),
    404 only for callers who would be allowed, 410 once deleted. Every outcome is audited."""
    access.require_scope(principal, rtype, Interaction.READ)
    grants = access.POLICY.grants(principal, resource_type=rtype, interaction=Interaction.READ)
    found = await read_and_audit(pool, principal, rtype=rtype, rid=rid, grants=grants, at=at)
    if not found.found and grants.reveals_missing:
        raise not_found(rtype, rid)
    if not found.allowed:
        raise access.denied()
    if found.deleted:
        raise gone(rtype, rid)
    return found
