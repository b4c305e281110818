"""Stream tickets: a browser's EventSource cannot send a bearer token, so it presents a ticket.

A coordinator's page trades its bearer token for a ticket (POST /board/stream-ticket) and opens
the stream with it straight away. A ticket is opaque (256 random bits), bound to the principal
that asked for it, usable once, and expires after `ttl` (60 s by default), so a ticket that leaks
through an access log is worthless. Tickets live in dispatch's database (only their SHA-256,
adapters/stream_tickets.py), so the stream opens on whichever replica the gateway picks.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cch_auth import Principal
from dispatch.adapters import stream_tickets as stored
from dispatch.adapters.stream_tickets import TicketHolder
from dispatch.domain.clock import Clock

# Unredeemed tickets one caller may hold at once: a page holds one, a few tabs a few.
PER_ACTOR_LIMIT = 30


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    """What the page gets back: the secret once, and when it stops working."""

    ticket: str
    expires_at: datetime


class TooManyTickets(Exception):
    """More unredeemed tickets for one caller than any real set of open boards needs."""


def digest(ticket: str) -> str:
    """What the database keeps of a ticket."""
    return hashlib.sha256(ticket.encode()).hexdigest()


def token_expiry(principal: Principal) -> datetime | None:
    """When the bearer token behind a principal expires (the stream ends then)."""
    exp = principal.claims.get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def principal_of(holder: TicketHolder) -> Principal:
    """The ticket's holder as a principal for role checks and the access audit (no scopes)."""
    exp = holder.token_expires_at
    return Principal(
        subject=holder.actor,
        roles=holder.roles,
        scopes=(),
        organisation=holder.organisation,
        claims={} if exp is None else {"exp": exp.timestamp()},
    )


class StreamTickets:
    """Single-use, short-lived tickets for the board stream, timed by the service clock."""

    def __init__(
        self, clock: Clock, *, ttl: timedelta = timedelta(seconds=60), limit: int = PER_ACTOR_LIMIT
    ):
        self.clock = clock
        self.ttl = ttl
        self.limit = limit

    async def issue(self, session: AsyncSession, principal: Principal) -> IssuedTicket:
        """A fresh ticket for this principal (stored in the caller's transaction)."""
        now = self.clock.now()
        ticket = secrets.token_urlsafe(32)
        expires_at = now + self.ttl
        holder = TicketHolder(
            actor=principal.actor,
            roles=principal.roles,
            organisation=principal.organisation,
            token_expires_at=token_expiry(principal),
        )
        stored_ok = await stored.insert(
            session,
            ticket_hash=digest(ticket),
            holder=holder,
            issued_at=now,
            expires_at=expires_at,
            limit=self.limit,
        )
        if not stored_ok:
            raise TooManyTickets(
                f"{self.limit} stream tickets outstanding; open the board with one of them"
                " or wait a minute"
            )
        return IssuedTicket(ticket, expires_at)

    async def redeem(self, session: AsyncSession, ticket: str) -> Principal | None:
        """The principal the ticket was issued to; None when unknown, used or expired."""
        holder = await stored.redeem(session, digest(ticket), now=self.clock.now())
        return None if holder is None else principal_of(holder)
