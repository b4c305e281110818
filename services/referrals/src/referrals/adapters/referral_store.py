"""Referral repository: loads and saves the aggregate with its history rows, in the caller's UoW."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.access_log import INSERT_ACCESS
from referrals.adapters.referral_opening import OPENING, referral_row
from referrals.adapters.referral_state import from_state
from referrals.adapters.referral_tables import (
    case_managed_patient,
    exclusion_note,
    referral,
    referral_version,
    referrer_identifier,
    triage_decision,
)
from referrals.domain.errors import IdentifierConflict
from referrals.domain.exclusions import ExclusionNote
from referrals.domain.referrals import Referral
from referrals.domain.vocabulary import OPEN_STATUSES

Render = Callable[[Referral], dict[str, Any]]


# Statements built once with bind parameters: SQLAlchemy then reuses their compiled form.
_GET = sa.select(referral.c.state).where(referral.c.id == sa.bindparam("rid"))
_GET_FOR_UPDATE = _GET.with_for_update()
_BY_IDENTIFIER = (
    sa.select(referral.c.state)
    .where(
        referral.c.id
        == sa.select(referrer_identifier.c.referral_id)
        .where(
            referrer_identifier.c.system == sa.bindparam("system"),
            referrer_identifier.c.value == sa.bindparam("value"),
        )
        .scalar_subquery()
    )
    .with_for_update()
)
_OPEN_FOR = (
    sa.select(referral.c.state)
    .where(
        referral.c.patient_key == sa.bindparam("pk"),
        referral.c.programme == sa.bindparam("programme"),
        referral.c.status.in_([s.value for s in OPEN_STATUSES]),
    )
    .with_for_update()
)
_KNOWN_FOR = (
    sa.select(referral.c.state)
    .where(
        sa.or_(
            referral.c.id
            == sa.select(referrer_identifier.c.referral_id)
            .where(
                referrer_identifier.c.system == sa.bindparam("system"),
                referrer_identifier.c.value == sa.bindparam("value"),
            )
            .scalar_subquery(),
            sa.and_(
                referral.c.patient_key == sa.bindparam("pk"),
                referral.c.programme == sa.bindparam("programme"),
                referral.c.status.in_([s.value for s in OPEN_STATUSES]),
            ),
        )
    )
    .with_for_update()
)
_LOCK_PATIENT = sa.select(
    sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.bindparam("pk", type_=sa.Text)))
)
_COLUMNS = [c.name for c in referral.columns if c.name != "id"]
_INSERT_REFERRAL = sa.insert(referral).values(
    {"id": sa.bindparam("rid"), **{c: sa.bindparam(f"v_{c}") for c in _COLUMNS}}
)
_UPDATE_REFERRAL = (
    sa.update(referral)
    .where(referral.c.id == sa.bindparam("rid"))
    .values({c: sa.bindparam(f"v_{c}") for c in _COLUMNS})
)


_INSERT_VERSION = insert(referral_version).on_conflict_do_nothing()
_INSERT_IDENTIFIER = insert(referrer_identifier).on_conflict_do_nothing()
_INSERT_DECISION = insert(triage_decision).on_conflict_do_nothing()


class ReferralStore:
    """Reads take row locks when asked, so concurrent decisions on one referral serialise."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reads ---------------------------------------------------------------------------
    async def get(self, referral_id: str, *, for_update: bool = False) -> Referral | None:
        q = _GET_FOR_UPDATE if for_update else _GET
        state = (await self.session.execute(q, {"rid": referral_id})).scalar_one_or_none()
        return from_state(state) if state is not None else None

    async def resource(self, referral_id: str) -> dict[str, Any] | None:
        q = sa.select(referral.c.resource).where(referral.c.id == referral_id)
        found: dict[str, Any] | None = (await self.session.execute(q)).scalar_one_or_none()
        return found

    async def version(self, referral_id: str, version: int) -> dict[str, Any] | None:
        q = sa.select(referral_version.c.resource).where(
            referral_version.c.referral_id == referral_id, referral_version.c.version == version
        )
        found: dict[str, Any] | None = (await self.session.execute(q)).scalar_one_or_none()
        return found

    async def history(
        self, referral_id: str, *, offset: int, count: int
    ) -> tuple[list[tuple[dict[str, Any], str]], int]:
        where = referral_version.c.referral_id == referral_id
        total = (
            await self.session.execute(
                sa.select(sa.func.count()).select_from(referral_version).where(where)
            )
        ).scalar_one()
        rows = (
            await self.session.execute(
                sa.select(referral_version.c.resource, referral_version.c.method)
                .where(where)
                .order_by(referral_version.c.version.desc())
                .offset(offset)
                .limit(count)
            )
        ).all()
        return [(r.resource, r.method) for r in rows], int(total)

    async def by_identifier(self, system: str, value: str) -> Referral | None:
        params = {"system": system, "value": value}
        state = (await self.session.execute(_BY_IDENTIFIER, params)).scalar_one_or_none()
        return from_state(state) if state is not None else None

    async def open_for(self, patient_key: str, programme: str) -> list[Referral]:
        """The patient's open referrals, locked (the unique index allows at most one)."""
        params = {"pk": patient_key, "programme": programme}
        return [from_state(s) for s in (await self.session.execute(_OPEN_FOR, params)).scalars()]

    async def known_for(
        self, patient_key: str, programme: str, identifier: tuple[str, str] | None
    ) -> list[Referral]:
        """Locked: the referral holding the referrer's identifier and the patient's open ones."""
        if identifier is None:
            return await self.open_for(patient_key, programme)
        params = {
            "pk": patient_key,
            "programme": programme,
            "system": identifier[0],
            "value": identifier[1],
        }
        rows = (await self.session.execute(_KNOWN_FOR, params)).scalars()
        return [from_state(s) for s in rows]

    async def lock_patient(self, patient_key: str) -> None:
        """Serialise arrivals for one patient (transaction-scoped advisory lock)."""
        await self.session.execute(_LOCK_PATIENT, {"pk": patient_key})

    async def exclusion_notes(self, patient_key: str) -> list[ExclusionNote]:
        rows = (
            await self.session.execute(
                sa.select(exclusion_note).where(exclusion_note.c.patient_key == patient_key)
            )
        ).all()
        return [
            ExclusionNote(
                patient_key=r.patient_key,
                excluded_on=r.excluded_on,
                next_review_on=r.next_review_on,
                reason=r.reason,
                referral_id=r.referral_id,
                lifted_on=r.lifted_on,
            )
            for r in rows
        ]

    async def is_case_managed(self, patient_key: str) -> bool:
        q = sa.select(case_managed_patient.c.patient_key).where(
            case_managed_patient.c.patient_key == patient_key
        )
        return (await self.session.execute(q)).first() is not None

    async def referrals_where(self, *conditions: Any) -> list[Referral]:
        q = sa.select(referral.c.state).where(*conditions)
        return [from_state(s) for s in (await self.session.execute(q)).scalars()]

    # --- writes --------------------------------------------------------------------------
    async def save(
        self, item: Referral, *, render: Render, method: str, created: bool, recorded_by: str
    ) -> dict[str, Any]:
        """Insert or update the current row, add the version row, identifiers and decisions."""
        resource = render(item)
        params = referral_row(item, resource)
        await self.session.execute(_INSERT_REFERRAL if created else _UPDATE_REFERRAL, params)
        await self.session.execute(
            _INSERT_VERSION,
            {
                "referral_id": item.referral_id,
                "version": item.version,
                "method": method,
                "recorded_at": item.last_updated,
                "resource": resource,
            },
        )
        identifiers = [
            {
                "system": i.system,
                "value": i.value,
                "referral_id": item.referral_id,
                "patient_key": item.patient.patient_key,
            }
            for i in item.identifiers
        ]
        if identifiers:
            await self.session.execute(_INSERT_IDENTIFIER, identifiers)
        decisions = [
            {
                "referral_id": item.referral_id,
                "version": d.version,
                "kind": d.kind.value,
                "need_level": d.need_level.value if d.need_level else None,
                "eligibility_criteria": list(d.eligibility_criteria),
                "most_pressing_need": d.most_pressing_need.value if d.most_pressing_need else None,
                "locality": d.locality.value if d.locality else None,
                "exclusion_reason": d.exclusion_reason.value if d.exclusion_reason else None,
                "reason_text": d.reason_text,
                "next_review_on": d.next_review_on,
                "reverses_version": d.reverses_version,
                "decided_by": d.decided_by.text,
                "decided_at": d.decided_at,
                "recorded_at": d.recorded_at,
                "recorded_by": recorded_by,
            }
            for d in item.decisions
        ]
        if decisions:
            await self.session.execute(_INSERT_DECISION, decisions)
        return resource

    async def open_new(
        self, item: Referral, *, render: Render, access: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """A first arrival with its version, identifier and audit row in one statement; None when
        the patient has an open referral or the identifier is already held (the caller locks and
        links). Raises IdentifierConflict when another patient's arrival took the identifier in
        the same instant."""
        resource = render(item)
        params = referral_row(item, resource)
        ident = item.identifiers[0] if item.identifiers else None
        if ident is not None:
            params |= {"i_system": ident.system, "i_value": ident.value}
        if access is not None:
            params |= {f"a_{k}": v for k, v in access.items()}
        statement = OPENING[(ident is not None, access is not None)]
        opened, recorded = (await self.session.execute(statement, params)).one()
        if not opened:
            return None
        if ident is not None and not recorded:
            raise IdentifierConflict(
                f"identifier {ident.system}|{ident.value} already names another referral"
            )
        return resource

    async def record_access(self, row: dict[str, Any]) -> None:
        await self.session.execute(INSERT_ACCESS, row)

    async def add_exclusion_note(self, note: ExclusionNote, *, decision_version: int) -> None:
        await self.session.execute(
            sa.insert(exclusion_note).values(
                patient_key=note.patient_key,
                referral_id=note.referral_id,
                decision_version=decision_version,
                excluded_on=note.excluded_on,
                next_review_on=note.next_review_on,
                reason=note.reason,
            )
        )

    async def lift_exclusion_notes(self, referral_id: str, *, on: date) -> None:
        await self.session.execute(
            sa.update(exclusion_note)
            .where(
                exclusion_note.c.referral_id == referral_id, exclusion_note.c.lifted_on.is_(None)
            )
            .values(lifted_on=sa.func.greatest(exclusion_note.c.excluded_on, on))
        )

    async def mark_case_managed(self, patient_key: str, *, case_id: str, since: Any) -> None:
        await self.session.execute(
            insert(case_managed_patient)
            .values(patient_key=patient_key, case_id=case_id, since=since)
            .on_conflict_do_update(
                index_elements=["patient_key"], set_={"case_id": case_id, "since": since}
            )
        )

    async def clear_case_managed(self, patient_key: str) -> None:
        await self.session.execute(
            sa.delete(case_managed_patient).where(case_managed_patient.c.patient_key == patient_key)
        )


def is_open_status(status: str) -> bool:
    return status in {s.value for s in OPEN_STATUSES}
