"""A first arrival in one statement: the referral, its first version, the referrer identifier
and the access audit row, written only if no referral is open for the patient and no referral
holds the identifier (the usual arrival takes no lock and one round trip)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from referrals.adapters.referral_tables import (
    OPEN_STATUS_SQL,
    referral,
    referral_version,
    referrer_identifier,
)
from referrals.adapters.tables import access_audit

_COLUMNS = [c.name for c in referral.columns if c.name != "id"]


def _opening(*, with_identifier: bool, with_access: bool) -> sa.Select[tuple[int, int]]:
    """A first arrival in one statement (one round trip): the referral, its first version, its
    referrer identifier and the access audit row. Nothing is written when the patient already has
    an open referral (ON CONFLICT on the one-open-referral index, which also waits for a
    concurrent arrival to commit) or when a referral already holds the identifier; the caller
    then takes the locked path. Answers (referrals opened, identifiers recorded)."""
    row = sa.select(
        *(sa.bindparam(f"v_{c.name}", type_=c.type) for c in referral.columns if c.name != "id"),
        sa.bindparam("rid", type_=referral.c.id.type),
    )
    if with_identifier:
        row = row.where(
            ~sa.exists().where(
                referrer_identifier.c.system == sa.bindparam("i_system"),
                referrer_identifier.c.value == sa.bindparam("i_value"),
            )
        )
    new_referral = (
        insert(referral)
        .from_select([*_COLUMNS, "id"], row)
        .on_conflict_do_nothing(
            index_elements=["patient_key", "programme"], index_where=sa.text(OPEN_STATUS_SQL)
        )
        .returning(referral.c.id, referral.c.version, referral.c.last_updated, referral.c.resource)
        .cte("new_referral")
    )
    ctes = [
        sa.insert(referral_version)
        .from_select(
            ["referral_id", "version", "method", "recorded_at", "resource"],
            sa.select(
                new_referral.c.id,
                new_referral.c.version,
                sa.literal("POST"),
                new_referral.c.last_updated,
                new_referral.c.resource,
            ),
        )
        .returning(referral_version.c.version)
        .cte("first_version")
    ]
    recorded: Any = sa.literal(0)
    if with_identifier:
        first_identifier = (
            insert(referrer_identifier)
            .from_select(
                ["system", "value", "referral_id", "patient_key"],
                sa.select(
                    sa.bindparam("i_system", type_=sa.String),
                    sa.bindparam("i_value", type_=sa.String),
                    new_referral.c.id,
                    sa.bindparam("v_patient_key", type_=referral.c.patient_key.type),
                ),
            )
            .on_conflict_do_nothing()
            .returning(referrer_identifier.c.value)
            .cte("first_identifier")
        )
        ctes.append(first_identifier)
        recorded = sa.select(sa.func.count()).select_from(first_identifier).scalar_subquery()
    if with_access:
        names = [c.name for c in access_audit.columns]
        ctes.append(
            sa.insert(access_audit)
            .from_select(
                names,
                sa.select(
                    *(sa.bindparam(f"a_{c.name}", type_=c.type) for c in access_audit.columns)
                ).where(sa.exists(sa.select(new_referral.c.id))),
            )
            .returning(access_audit.c.id)
            .cte("access_row")
        )
    opened = sa.select(sa.func.count(), recorded).select_from(new_referral)
    return opened.add_cte(*ctes)


# Built once with bind parameters, so SQLAlchemy reuses the compiled form (and asyncpg the
# prepared statement) whatever the values.
OPENING = {
    (ident, access): _opening(with_identifier=ident, with_access=access)
    for ident in (False, True)
    for access in (False, True)
}
