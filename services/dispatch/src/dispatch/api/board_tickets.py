"""Stream tickets: a browser's EventSource cannot send a bearer token, so it presents a ticket.

A coordinator's page trades its bearer token for a ticket (POST /board/stream-ticket) and opens
the stream with it straight away. A ticket is opaque (256 random bits), bound to the principal
that asked for it, usable once, and expires after `ttl` (60 s by default), so a ticket that leaks
through an access log is worthless. Only its SHA-256 is held, in this process: the page redeems it
on the replica that issued it (sticky sessions when there is more than one replica).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cch_auth import Principal
from dispatch.domain.clock import Clock


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    """What the page gets back: the secret once, and when it stops working."""

    ticket: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class _Held:
    principal: Principal
    expires_at: datetime


class TooManyTickets(Exception):
    """More unredeemed tickets than any real set of coordinators would hold."""


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class StreamTickets:
    """Single-use, short-lived tickets for the board stream, timed by the service clock."""

    def __init__(
        self, clock: Clock, *, ttl: timedelta = timedelta(seconds=60), limit: int = 10_000
    ):
        self.clock = clock
        self.ttl = ttl
        self.limit = limit
        self._held: dict[str, _Held] = {}

    def issue(self, principal: Principal) -> IssuedTicket:
        """A fresh ticket for this principal."""
        now = self.clock.now()
        self._forget_expired(now)
        if len(self._held) >= self.limit:
            raise TooManyTickets(f"{len(self._held)} stream tickets outstanding")
        ticket = secrets.token_urlsafe(32)
        expires_at = now + self.ttl
        self._held[_digest(ticket)] = _Held(principal, expires_at)
        return IssuedTicket(ticket, expires_at)

    def redeem(self, ticket: str) -> Principal | None:
        """The principal the ticket was issued to; None when unknown, used or expired."""
        held = self._held.pop(_digest(ticket), None)
        if held is None or self.clock.now() >= held.expires_at:
            return None
        return held.principal

    def outstanding(self) -> int:
        """Tickets issued and not yet redeemed or expired."""
        self._forget_expired(self.clock.now())
        return len(self._held)

    def _forget_expired(self, now: datetime) -> None:
        for key in [k for k, h in self._held.items() if now >= h.expires_at]:
            del self._held[key]
