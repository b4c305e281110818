"""A first arrival in one statement: the referral, its first version, the referrer identifier
and the access audit row, written only if no referral is open for the patient and no referral
holds the identifier (the usual arrival takes no lock and one round trip)."""

from __future__ import annotations

from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from cch_db.driver_pool import DriverPool
from cch_db.one_statement import JsonText, OneStatement
from cch_messaging.outbox_rows import (
    OutgoingEvent,
    notify_relay,
    outbox_insert,
    outbox_params,
    relay_needs_notify,
    wake_relay,
)
from referrals.adapters.referral_state import to_state
from referrals.adapters.referral_tables import (
    OPEN_STATUS_SQL,
    referral,
    referral_version,
    referrer_identifier,
)
from referrals.adapters.tables import access_audit, outbox
from referrals.domain.errors import IdentifierConflict
from referrals.domain.referrals import Referral

_COLUMNS = [c.name for c in referral.columns if c.name != "id"]


def referral_row(item: Referral, resource: dict[str, Any]) -> dict[str, Any]:
    """The referral row's bind parameters (v_<column>, rid)."""
    assert item.last_updated is not None
    values = {
        "patient_key": item.patient.patient_key,
        "nhs_number": item.patient.nhs_number,
        "programme": item.programme,
        "status": item.status.value,
        "priority": item.priority.value,
        "route": item.route.value,
        "routes": [r.value for r in item.routes],
        "practice_code": item.practice_code,
        "locality": item.locality.value if item.locality else None,
        "tier": item.tier.value if item.tier else None,
        "requester": item.requester.text,
        "authored_on": item.authored_on,
        "received_at": item.received_at,
        "last_updated": item.last_updated,
        "first_decided_at": item.first_decided_at,
        "version": item.version,
        "state": to_state(item),
        "resource": resource,
        "see_from": item.when_to_see.earliest if item.when_to_see else None,
        "see_by": item.when_to_see.latest if item.when_to_see else None,
    }
    return {f"v_{k}": v for k, v in values.items()} | {"rid": item.referral_id}


def _opening(
    *, with_identifier: bool, with_access: bool, alone: bool = False, notify: bool = False
) -> sa.Select[Any]:
    """A first arrival in one statement (one round trip): the referral, its first version, its
    referrer identifier and the access audit row. Nothing is written when the patient already has
    an open referral (ON CONFLICT on the one-open-referral index, which also waits for a
    concurrent arrival to commit) or when a referral already holds the identifier; the caller
    then takes the locked path. Answers (referrals opened, identifiers recorded).

    `alone`: the statement is the whole transaction (run with no BEGIN), so it also writes the
    outbox rows, and another patient's arrival taking the identifier in the same instant fails
    the statement (a unique violation) rather than leaving a referral without it; `notify` then
    wakes a relay in another process."""
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
        first_identifier: Any = (
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
            .returning(referrer_identifier.c.value)
        )
        if not alone:
            first_identifier = first_identifier.on_conflict_do_nothing()
        first_identifier = first_identifier.cte("first_identifier")
        ctes.append(first_identifier)
        recorded = sa.select(sa.func.count()).select_from(first_identifier).scalar_subquery()
    opened_any = sa.exists(sa.select(new_referral.c.id))
    if with_access:
        names = [c.name for c in access_audit.columns]
        ctes.append(
            sa.insert(access_audit)
            .from_select(
                names,
                sa.select(
                    *(sa.bindparam(f"a_{c.name}", type_=c.type) for c in access_audit.columns)
                ).where(opened_any),
            )
            .returning(access_audit.c.id)
            .cte("access_row")
        )
    if alone:
        ctes.append(outbox_insert(outbox, when=opened_any).cte("outbox_rows"))
    answers = [sa.func.count(), recorded]
    if notify:
        answers.append(notify_relay(outbox, sa.func.count()))
    opened = sa.select(*answers).select_from(new_referral)
    return opened.add_cte(*ctes)


# Built once with bind parameters, so SQLAlchemy reuses the compiled form (and asyncpg the
# prepared statement) whatever the values.
OPENING = {
    (ident, access): _opening(with_identifier=ident, with_access=access)
    for ident in (False, True)
    for access in (False, True)
}

# The arrival as a whole transaction, compiled for the driver connection: (with identifier,
# with access row, notify a relay elsewhere).
OPENING_ALONE = {
    (ident, access, notify): OneStatement(
        _opening(with_identifier=ident, with_access=access, alone=True, notify=notify)
    )
    for ident in (False, True)
    for access in (False, True)
    for notify in (False, True)
}


async def open_alone(
    pool: DriverPool,
    item: Referral,
    *,
    resource: dict[str, Any],
    resource_text: str,
    access: dict[str, Any] | None,
    events: list[OutgoingEvent],
) -> bool:
    """A first arrival, with its audit row and events, as a transaction of its own (one
    statement, one round trip). False when the patient has an open referral or the identifier
    is already held (nothing written: the caller locks and links). Raises IdentifierConflict
    when another patient's arrival took the identifier in the same instant."""
    params = referral_row(item, resource) | outbox_params(events)
    params["v_resource"] = JsonText(resource_text)
    ident = item.identifiers[0] if item.identifiers else None
    if ident is not None:
        params |= {"i_system": ident.system, "i_value": ident.value}
    if access is not None:
        params |= {f"a_{k}": v for k, v in access.items()}
    statement = OPENING_ALONE[(ident is not None, access is not None, relay_needs_notify(outbox))]
    try:
        row = await statement.fetchrow(pool, params)
    except asyncpg.UniqueViolationError as exc:
        if ident is None or exc.table_name != referrer_identifier.name:
            raise
        raise IdentifierConflict(
            f"identifier {ident.system}|{ident.value} already names another referral"
        ) from exc
    if not row[0]:
        return False
    wake_relay(outbox)
    return True
