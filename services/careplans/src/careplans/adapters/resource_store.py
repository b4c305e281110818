"""Reads and writes of the versioned resource store; every version is kept, none is changed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from careplans.adapters.care_team_members import replace_members
from careplans.adapters.resource_tables import PATIENT_IDENTITY_INDEX, refs_among
from careplans.adapters.tables import care_team_member, resource, resource_version
from careplans.domain.errors import DuplicatePatient
from careplans.service_layer.indexing import SearchIndex


@dataclass(frozen=True)
class Stored:
    type: str
    id: str
    version: int
    patient_id: str | None
    patient_key: str | None
    status: str | None
    last_updated: datetime
    deleted: bool
    content: dict[str, Any]


def _stored(row: Any) -> Stored:
    return Stored(
        row.type,
        row.id,
        row.version,
        row.patient_id,
        row.patient_key,
        row.status,
        row.last_updated,
        row.deleted,
        row.content,
    )


class ResourceStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def serialise(self, key: str) -> None:
        """Waits for, then holds to the end of the transaction, the lock named `key`: writers
        that take it one after another each see what the one before committed."""
        await self.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )

    async def get(self, rtype: str, rid: str, *, for_update: bool = False) -> Stored | None:
        stmt = sa.select(resource).where(resource.c.type == rtype, resource.c.id == rid)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return _stored(row) if row else None

    async def get_many(self, refs: list[tuple[str, str]]) -> list[Stored]:
        if not refs:
            return []
        cond = refs_among(resource.c.type, resource.c.id, refs)
        rows = (await self.session.execute(sa.select(resource).where(cond))).all()
        return [_stored(r) for r in rows]

    async def version(self, rtype: str, rid: str, version: int) -> dict[str, Any] | None:
        stmt = sa.select(resource_version.c.content).where(
            resource_version.c.type == rtype,
            resource_version.c.id == rid,
            resource_version.c.version == version,
        )
        content: dict[str, Any] | None = (await self.session.execute(stmt)).scalar()
        return content

    async def insert(
        self,
        content: dict[str, Any],
        index: SearchIndex,
        *,
        patient_key: str | None,
        at: datetime,
    ) -> None:
        rtype, rid = content["resourceType"], content["id"]
        await self._execute(
            sa.insert(resource).values(
                type=rtype,
                id=rid,
                version=1,
                last_updated=at,
                deleted=False,
                content=content,
                patient_key=patient_key,
                **index_values(index),
            )
        )
        await self._keep_version(content, version=1, method="POST", at=at)
        if rtype == "CareTeam":
            await replace_members(self.session, care_team_member, content, deleted=False)

    async def replace(
        self,
        content: dict[str, Any],
        index: SearchIndex,
        *,
        expected_version: int,
        patient_key: str | None,
        at: datetime,
        method: str = "PUT",
    ) -> bool:
        """Stores version expected+1 only if the row is still at `expected_version`."""
        rtype, rid = content["resourceType"], content["id"]
        new_version = expected_version + 1
        result = await self._execute(
            sa.update(resource)
            .where(
                resource.c.type == rtype,
                resource.c.id == rid,
                resource.c.version == expected_version,
            )
            .values(
                version=new_version,
                last_updated=at,
                content=content,
                patient_key=patient_key,
                deleted=method == "DELETE",
                **index_values(index),
            )
        )
        if result.rowcount != 1:
            return False
        await self._keep_version(content, version=new_version, method=method, at=at)
        if rtype == "CareTeam":
            await replace_members(
                self.session, care_team_member, content, deleted=method == "DELETE"
            )
        return True

    async def _execute(self, statement: Any) -> Any:
        """Run a write of the current version; a second Patient with one NHS number is refused."""
        try:
            return await self.session.execute(statement)
        except IntegrityError as exc:
            if PATIENT_IDENTITY_INDEX in str(exc.orig):
                raise DuplicatePatient("a Patient with this NHS number is already held") from exc
            raise

    async def _keep_version(
        self, content: dict[str, Any], *, version: int, method: str, at: datetime
    ) -> None:
        await self.session.execute(
            sa.insert(resource_version).values(
                type=content["resourceType"],
                id=content["id"],
                version=version,
                method=method,
                last_updated=at,
                content=content,
            )
        )

    async def history(
        self,
        rtype: str,
        rid: str | None,
        *,
        patient_filter: Any = None,
        offset: int,
        count: int,
    ) -> tuple[list[tuple[dict[str, Any], str]], int]:
        """(content, method) newest first, and the total."""
        cond = [resource_version.c.type == rtype]
        if rid is not None:
            cond.append(resource_version.c.id == rid)
        if patient_filter is not None:
            owners = sa.select(resource.c.id).where(resource.c.type == rtype, patient_filter)
            cond.append(resource_version.c.id.in_(owners))
        total = (
            await self.session.execute(
                sa.select(sa.func.count()).select_from(resource_version).where(*cond)
            )
        ).scalar_one()
        rows = (
            await self.session.execute(
                sa.select(resource_version.c.content, resource_version.c.method)
                .where(*cond)
                .order_by(resource_version.c.last_updated.desc(), resource_version.c.version.desc())
                .offset(offset)
                .limit(count)
            )
        ).all()
        return [(r.content, r.method) for r in rows], int(total)


def index_values(index: SearchIndex) -> dict[str, Any]:
    return {
        "patient_id": index.patient_id,
        "status": index.status,
        "intent": index.intent,
        "codes": index.codes,
        "identifiers": index.identifiers,
        "refs": index.refs,
        "participants": index.participants,
        "period_start": index.period_start,
        "period_end": index.period_end,
    }
