"""A read by id in one statement: the record, the need-to-know check and its audit row.

One prepared statement on a pooled connection, outside any explicit transaction (a single
statement is atomic): it reads the current version, decides whether the caller's grants reach
the record's patient (domain/access.py `Grants`, checked over care_team_member rows), writes the
access-audit row with the outcome, and returns the stored JSON text only when allowed. The
caller gets the body exactly as stored, so nothing is parsed or re-serialised.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from careplans.domain.access import TEAM_STATUSES_GRANTING, Grants
from cch_auth import Principal
from cch_db.driver_pool import DriverPool

DENIED_DETAIL = "denied: need-to-know"

_READ = f"""
WITH r AS (
    SELECT version, patient_id, patient_key, last_updated, deleted, content
    FROM resource WHERE type = $1 AND id = $2
),
d AS (
    SELECT r.*, (
        $3::boolean
        OR r.patient_id = $6::text
        OR EXISTS (
            SELECT 1 FROM care_team_member m
            WHERE m.patient_id = r.patient_id
              AND m.team_status = ANY($13::text[])
              AND (m.starts IS NULL OR m.starts <= $7)
              AND (m.ends IS NULL OR $7 < m.ends)
              AND (m.organisation_id = $4::text OR m.practitioner_id = $5::text)
        )
    ) IS TRUE AS allowed
    FROM r
),
audit AS (
    INSERT INTO access_audit (id, recorded_at, actor, actor_roles, organisation, action,
                              interaction, resource_type, resource_id, patient_key, outcome,
                              detail)
    SELECT gen_random_uuid(), $7, $8, $9::jsonb, $10, 'R', $11, $1, $2, d.patient_key,
           CASE WHEN d.allowed THEN '0' ELSE '4' END,
           CASE WHEN d.allowed THEN NULL ELSE '{DENIED_DETAIL}' END
    FROM (VALUES (1)) AS one (n) LEFT JOIN d ON true
    WHERE d.allowed IS NOT NULL OR NOT $12::boolean
)
SELECT d.allowed, d.version, d.last_updated, d.deleted,
       CASE WHEN d.allowed THEN d.content::text END AS body
FROM (VALUES (1)) AS one (n) LEFT JOIN d ON true
"""

_GRANTING = sorted(TEAM_STATUSES_GRANTING)


@dataclass(frozen=True, slots=True)
class RecordRead:
    """`found` False: no such record (audited as a deny unless the caller may learn of a 404)."""

    found: bool
    allowed: bool
    version: int = 0
    last_updated: datetime | None = None
    deleted: bool = False
    body: str | None = None


async def read_and_audit(
    pool: DriverPool,
    principal: Principal,
    *,
    rtype: str,
    rid: str,
    grants: Grants,
    at: datetime,
    interaction: str = "read",
) -> RecordRead:
    # one statement on a driver connection (cch_db.driver_pool): no ORM, no transaction
    row = await pool.fetchrow(
        _READ,
        rtype,
        rid,
        grants.every_patient,
        grants.organisation,
        grants.practitioner,
        grants.launch_patient,
        at,
        principal.actor,
        json.dumps(sorted(principal.roles)),
        principal.organisation,
        interaction,
        grants.reveals_missing,
        _GRANTING,
    )
    if row is None or row["allowed"] is None:
        return RecordRead(found=False, allowed=False)
    return RecordRead(
        found=True,
        allowed=bool(row["allowed"]),
        version=row["version"],
        last_updated=row["last_updated"],
        deleted=row["deleted"],
        body=row["body"],
    )
