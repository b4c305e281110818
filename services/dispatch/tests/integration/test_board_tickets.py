"""Board stream tickets across replicas: issued on one, redeemed once on any, then swept."""

import asyncio
import hashlib
import uuid
from datetime import timedelta

import httpx
import jwt
import pytest
import sqlalchemy as sa

from dispatch.adapters import stream_tickets as stored
from dispatch.adapters.tables import access_audit, stream_tickets
from dispatch.service_layer.stream_ticket_sweep import sweep_once

pytestmark = pytest.mark.integration

ONCE = "tickets work once and expire after a minute"


def digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


async def first_board(http: httpx.AsyncClient, ticket: str) -> int:
    """Open the stream with a ticket; the status, after the first board arrived when 200."""
    async with http.stream("GET", "/board/stream", params={"ticket": ticket}) as response:
        if response.status_code == 200:
            async with asyncio.timeout(10):
                async for line in response.aiter_lines():
                    if line == "event: board":
                        break
        return response.status_code


async def stored_row(runtime, ticket: str):
    async with runtime.engine.connect() as conn:
        query = sa.select(stream_tickets).where(stream_tickets.c.ticket_hash == digest(ticket))
        return (await conn.execute(query)).first()


async def test_a_ticket_issued_by_one_replica_opens_the_stream_on_another_exactly_once(
    live, http, dispatch, coordinator
):
    async with dispatch() as other:
        issued = await other.post("/board/stream-ticket", headers=coordinator)
        assert issued.status_code == 200, issued.text
        ticket = issued.json()["ticket"]

        assert await first_board(http, ticket) == 200

        for replica in (other, http):
            again = await replica.get("/board/stream", params={"ticket": ticket})
            assert again.status_code == 401
            assert again.headers["content-type"].startswith("application/problem+json")
            assert ONCE in again.json()["detail"]


async def test_a_ticket_from_another_replica_is_refused_after_a_minute(
    live, http, dispatch, coordinator, clock
):
    async with dispatch() as other:
        ticket = (await other.post("/board/stream-ticket", headers=coordinator)).json()["ticket"]
    clock.advance(timedelta(seconds=61))

    expired = await http.get("/board/stream", params={"ticket": ticket})
    assert expired.status_code == 401
    assert ONCE in expired.json()["detail"]
    assert (await stored_row(live.runtime, ticket)).used_at is None  # refused, not used


async def test_only_a_hash_is_stored_with_who_holds_it_and_used_tickets_are_swept(
    live, http, token_for, clock
):
    subject = f"coord-{uuid.uuid4().hex[:8]}"
    token = token_for("coordinator", subject=subject)
    headers = {"authorization": f"Bearer {token}"}
    ticket = (await http.post("/board/stream-ticket", headers=headers)).json()["ticket"]
    token_exp = jwt.decode(token, options={"verify_signature": False})["exp"]

    row = await stored_row(live.runtime, ticket)
    assert row.actor == subject and row.actor_roles == ["coordinator"]
    assert row.issued_at == clock.now() and row.expires_at - row.issued_at == timedelta(seconds=60)
    assert row.used_at is None and row.token_expires_at.timestamp() == token_exp
    async with live.runtime.engine.connect() as conn:
        everything = sa.text(f"SELECT t::text FROM {stream_tickets.fullname} t")
        assert not any(ticket in text for (text,) in (await conn.execute(everything)).all())

    assert await first_board(http, ticket) == 200
    assert (await stored_row(live.runtime, ticket)).used_at == clock.now()
    async with live.runtime.engine.connect() as conn:
        audited = await conn.execute(
            sa.select(access_audit.c.actor_roles).where(
                access_audit.c.actor == subject, access_audit.c.detail == "live board stream opened"
            )
        )
        assert audited.scalars().all() == [["coordinator"]]

    assert await sweep_once(live.runtime) >= 1
    assert await stored_row(live.runtime, ticket) is None
    assert (await http.get("/board/stream", params={"ticket": ticket})).status_code == 401


async def test_two_replicas_redeeming_one_ticket_at_once_let_exactly_one_in(
    live, http, dispatch, coordinator, kit
):
    ticket = (await http.post("/board/stream-ticket", headers=coordinator)).json()["ticket"]
    async with dispatch() as other:
        now = live.runtime.extras["clock"].now()

        async def redeem(runtime):
            async with runtime.uow() as uow:
                holder = await stored.redeem(uow.session, digest(ticket), now=now)
                await uow.commit()
            return holder

        holders = await asyncio.gather(redeem(live.runtime), redeem(kit.runtime_of(other)))
    assert sorted(h is None for h in holders) == [False, True]


async def test_one_caller_cannot_hoard_tickets(live, http, token_for):
    subject = f"coord-{uuid.uuid4().hex[:8]}"
    headers = {"authorization": f"Bearer {token_for('coordinator', subject=subject)}"}
    for _ in range(30):
        assert (await http.post("/board/stream-ticket", headers=headers)).status_code == 200
    refused = await http.post("/board/stream-ticket", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Someone else still gets one.
    other = {"authorization": f"Bearer {token_for('coordinator', subject=f'{subject}-b')}"}
    assert (await http.post("/board/stream-ticket", headers=other)).status_code == 200
    async with live.runtime.engine.begin() as conn:
        await conn.execute(
            sa.delete(stream_tickets).where(stream_tickets.c.actor.like(f"{subject}%"))
        )
