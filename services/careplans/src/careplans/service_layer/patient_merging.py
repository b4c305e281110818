"""Merging the Patients a store holds twice under one NHS number (migration 0004 runs it before
the unique index that keeps one): every record moves to the oldest Patient, each change is a new
version (history keeps what was), and each merge is recorded and audited.

Runs on the migration's synchronous connection, inside its transaction. Only the columns that
existed at 0004 are read or written, so later schema changes cannot alter what it does.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from careplans.adapters.resource_store import index_values
from careplans.adapters.tables import (
    access_audit,
    care_team_member,
    patient_merge,
    resource,
    resource_version,
)
from careplans.domain.patient_merge import (
    HeldPatient,
    PatientMerge,
    absorbing,
    merge_of,
    repointed,
    retired,
)
from careplans.service_layer.indexing import REPLACED_STATUS, index_resource
from careplans.service_layer.resources import with_meta
from cch_servicekit.audit import access_row

MERGED_BY = "careplans-migration-0004"
REASON = "one NHS number held as more than one Patient"


@dataclass(frozen=True)
class MergeDone:
    patient_key: str
    survivor_id: str
    merged_ids: tuple[str, ...]
    records_moved: tuple[str, ...]


def merge_duplicate_patients(bind: Connection, *, at: datetime) -> list[MergeDone]:
    """Merges every NHS number (patient key) held by more than one current Patient."""
    r = resource.c
    keys = bind.execute(
        sa.select(r.patient_key)
        .where(*_current_patients())
        .group_by(r.patient_key)
        .having(sa.func.count() > 1)
        .order_by(r.patient_key)
    ).scalars()
    return [_merge(bind, key, at=at) for key in list(keys)]


def _current_patients() -> list[Any]:
    r = resource.c
    return [
        r.type == "Patient",
        r.patient_key.is_not(None),
        r.deleted.is_(False),
        r.status.is_distinct_from(REPLACED_STATUS),
    ]


def _merge(bind: Connection, patient_key: str, *, at: datetime) -> MergeDone:
    r, v = resource.c, resource_version.c
    first_stored = (
        sa.select(v.last_updated)
        .where(v.type == r.type, v.id == r.id, v.version == 1)
        .scalar_subquery()
    )
    rows = bind.execute(
        sa.select(
            r.id, r.version, r.content, sa.func.coalesce(first_stored, r.last_updated).label("at")
        ).where(*_current_patients(), r.patient_key == patient_key)
    ).all()
    merge = merge_of([HeldPatient(row.id, row.at, row.content) for row in rows])
    version = {row.id: row.version for row in rows}
    survivor_id = merge.survivor.id
    for record in merge.merged:
        _write(
            bind,
            retired(record.content, survivor_id=survivor_id),
            after=version[record.id],
            patient_key=patient_key,
            deleted=False,
            at=at,
        )
    moved = _move_records(bind, merge, at=at)
    _write(
        bind,
        absorbing(merge.survivor.content, [m.content for m in merge.merged]),
        after=version[survivor_id],
        patient_key=patient_key,
        deleted=False,
        at=at,
    )
    _record(bind, merge, patient_key=patient_key, moved=moved, at=at)
    return MergeDone(
        patient_key,
        survivor_id,
        tuple(sorted(merge.merged_ids)),
        tuple(ref for refs in moved.values() for ref in refs),
    )


def _move_records(bind: Connection, merge: PatientMerge, *, at: datetime) -> dict[str, list[str]]:
    """Each record of a merged Patient, repointed at the survivor as a new version; returns the
    records moved from each merged Patient."""
    r = resource.c
    merged_ids = merge.merged_ids
    rows = bind.execute(
        sa.select(r.type, r.id, r.version, r.patient_id, r.patient_key, r.deleted, r.content)
        .where(r.type != "Patient", r.patient_id.in_(sorted(merged_ids)))
        .order_by(r.type, r.id)
    ).all()
    moved: dict[str, list[str]] = {pid: [] for pid in sorted(merged_ids)}
    for row in rows:
        content = repointed(row.content, merged_ids=merged_ids, survivor_id=merge.survivor.id)
        _write(
            bind,
            content,
            after=row.version,
            patient_key=row.patient_key,
            deleted=row.deleted,
            at=at,
        )
        moved[row.patient_id].append(f"{row.type}/{row.id}")
    m = care_team_member.c
    bind.execute(
        sa.update(care_team_member)
        .where(m.patient_id.in_(sorted(merged_ids)))
        .values(patient_id=merge.survivor.id)
    )
    return moved


def _write(
    bind: Connection,
    body: dict[str, Any],
    *,
    after: int,
    patient_key: str | None,
    deleted: bool,
    at: datetime,
) -> None:
    """The next version of a record, current and kept in its history."""
    rtype, rid = body["resourceType"], body["id"]
    content = with_meta(body, rid=rid, version=after + 1, at=at)
    r = resource.c
    bind.execute(
        sa.update(resource)
        .where(r.type == rtype, r.id == rid, r.version == after)
        .values(
            version=after + 1,
            last_updated=at,
            content=content,
            patient_key=patient_key,
            deleted=deleted,
            **index_values(index_resource(content)),
        )
    )
    bind.execute(
        sa.insert(resource_version).values(
            type=rtype, id=rid, version=after + 1, method="PUT", last_updated=at, content=content
        )
    )


def _record(
    bind: Connection,
    merge: PatientMerge,
    *,
    patient_key: str,
    moved: dict[str, list[str]],
    at: datetime,
) -> None:
    survivor_id = merge.survivor.id
    bind.execute(
        sa.insert(patient_merge),
        [
            {
                "merged_id": mid,
                "survivor_id": survivor_id,
                "patient_key": patient_key,
                "merged_at": at,
                "reason": REASON,
                "records_moved": records,
            }
            for mid, records in moved.items()
        ],
    )
    bind.execute(
        sa.insert(access_audit),
        [
            {
                **access_row(
                    actor=MERGED_BY,
                    roles=(),
                    organisation=None,
                    interaction="update",
                    resource_type="Patient",
                    resource_id=mid,
                    patient_key=patient_key,
                    detail=f"merged into Patient/{survivor_id} ({REASON}); "
                    f"{len(records)} record(s) moved: {', '.join(records) or 'none'}"[:2000],
                ),
                "recorded_at": at,
            }
            for mid, records in moved.items()
        ],
    )
