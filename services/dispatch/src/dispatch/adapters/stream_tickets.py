"""Stored board stream tickets: issued by one replica, redeemed exactly once by any replica.

Rows are keyed by the ticket's SHA-256; the ticket itself is never stored. Instants come from
the service's injected clock (SystemClock in production), so tests can move time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.adapters.tables import stream_tickets

c = stream_tickets.c


@dataclass(frozen=True, slots=True)
class TicketHolder:
    """Who a ticket was issued to: enough to authorise and audit the stream, no PII."""

    actor: str
    roles: frozenset[str]
    organisation: str | None
    token_expires_at: datetime | None


async def insert(
    session: AsyncSession,
    *,
    ticket_hash: str,
    holder: TicketHolder,
    issued_at: datetime,
    expires_at: datetime,
    limit: int,
) -> bool:
    """Store a ticket unless its holder already has `limit` unredeemed, unexpired ones."""
    outstanding = (
        sa.select(sa.func.count())
        .select_from(stream_tickets)
        .where(c.actor == holder.actor, c.used_at.is_(None), c.expires_at > issued_at)
        .scalar_subquery()
    )
    values = sa.select(
        sa.literal(ticket_hash, sa.String),
        sa.literal(holder.actor, sa.String),
        sa.literal(sorted(holder.roles), sa.JSON),
        sa.literal(holder.organisation, sa.String),
        sa.literal(holder.token_expires_at, sa.DateTime(timezone=True)),
        sa.literal(issued_at, sa.DateTime(timezone=True)),
        sa.literal(expires_at, sa.DateTime(timezone=True)),
    ).where(outstanding < limit)
    columns = [
        "ticket_hash",
        "actor",
        "actor_roles",
        "organisation",
        "token_expires_at",
        "issued_at",
        "expires_at",
    ]
    result = await session.execute(
        sa.insert(stream_tickets).from_select(columns, values).returning(c.ticket_hash)
    )
    return result.first() is not None


async def redeem(session: AsyncSession, ticket_hash: str, *, now: datetime) -> TicketHolder | None:
    """Mark the ticket used in one statement: at most one caller, on any replica, gets it."""
    row = (
        await session.execute(
            sa.update(stream_tickets)
            .where(c.ticket_hash == ticket_hash, c.used_at.is_(None), c.expires_at > now)
            .values(used_at=now)
            .returning(c.actor, c.actor_roles, c.organisation, c.token_expires_at)
        )
    ).first()
    if row is None:
        return None
    return TicketHolder(
        actor=row.actor,
        roles=frozenset(row.actor_roles),
        organisation=row.organisation,
        token_expires_at=row.token_expires_at,
    )


async def purge(session: AsyncSession, *, now: datetime) -> int:
    """Forget tickets that can never open a stream again (used or expired); how many."""
    result = await session.execute(
        sa.delete(stream_tickets).where(sa.or_(c.used_at.is_not(None), c.expires_at <= now))
    )
    return int(getattr(result, "rowcount", 0) or 0)
