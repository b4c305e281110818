"""The live board's event stream: tickets, changes pushed within seconds, beats, disconnects."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from cch_contracts.events.referrals import CrisisLocation, ReferralUrgent
from cch_devstack.testing import eventually
from dispatch.adapters.tables import clinicians
from dispatch.api.board_feed import BoardSettings

pytestmark = pytest.mark.integration

PUSH_DEADLINE_S = 5.0


async def _true(value: bool) -> bool:
    return value


class Events:
    """A connected board: read server-sent events with a deadline."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self) -> tuple[str, Any]:
        event, data = "message", []
        async for line in self._lines:
            if line == "":
                if data:
                    return event, json.loads("\n".join(data))
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        raise AssertionError("the stream ended")

    async def until(
        self, match: Callable[[str, Any], bool], *, timeout: float = PUSH_DEADLINE_S
    ) -> Any:
        """The first event that matches, or fail once `timeout` passes."""
        async with asyncio.timeout(timeout):
            while True:
                event, data = await self.next()
                if match(event, data):
                    return data

    async def board(self, match: Callable[[dict[str, Any]], bool], **kw: Any) -> dict[str, Any]:
        return await self.until(lambda e, d: e == "board" and match(d), **kw)


@asynccontextmanager
async def connected(http: httpx.AsyncClient, headers: dict[str, str]) -> AsyncIterator[Events]:
    ticket = (await http.post("/board/stream-ticket", headers=headers)).json()["ticket"]
    async with http.stream("GET", "/board/stream", params={"ticket": ticket}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


def row(board: dict[str, Any], request_id: str) -> dict[str, Any] | None:
    return next((r for r in board["requests"] if r["id"] == request_id), None)


@pytest.fixture
async def roster(live) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Add clinicians only this test uses; they leave the shared roster when it ends."""
    added: list[str] = []

    async def add(*, easting: float, northing: float) -> str:
        cid = f"board-{uuid.uuid4().hex[:8]}"
        async with live.runtime.engine.begin() as conn:
            await conn.execute(
                sa.insert(clinicians).values(
                    id=cid,
                    name=f"Clinician {cid}",
                    skills=["catheter", "falls", "iv", "palliative", "prescribing", "wound-care"],
                    base_name="test",
                    base_easting=easting,
                    base_northing=northing,
                    easting=easting,
                    northing=northing,
                    status="available",
                    shift_start=datetime(2020, 1, 1, tzinfo=UTC),
                    shift_end=datetime(2100, 1, 1, tzinfo=UTC),
                    leaving_after_job=False,
                )
            )
        added.append(cid)
        return cid

    yield add
    async with live.runtime.engine.begin() as conn:
        await conn.execute(sa.delete(clinicians).where(clinicians.c.id.in_(added)))


def call(nhs: str, **extra: Any) -> dict[str, Any]:
    return {
        "nhs_number": nhs,
        "postcode": "SY1 1AA",
        "easting": 349_300,
        "northing": 312_700,
        "reason": "fall at home, cannot get up",
        "skills_needed": ["falls"],
        **extra,
    }


async def test_a_new_call_and_its_assignment_reach_an_open_board_within_seconds(
    live, http, coordinator, kit, roster
):
    clinician = await roster(easting=349_400, northing=312_800)
    async with connected(http, coordinator) as board:
        first = await board.board(lambda d: True)
        assert {"requests", "clinicians", "bounds", "as_of", "version"} <= first.keys()

        nhs = kit.nhs_number()
        created = await http.post("/requests", json=call(nhs), headers=coordinator)
        assert created.status_code == 201, created.text
        started = time.monotonic()  # committed: from here the board has seconds to show it
        rid = created.json()["id"]
        seen = await board.board(lambda d: row(d, rid) is not None)
        assert time.monotonic() - started < PUSH_DEADLINE_S
        shown = row(seen, rid)
        assert shown["status"] == "requested" and shown["state"] == "on-track"
        assert shown["reason"] == "fall at home, cannot get up"
        assert shown["skills_needed"] == ["falls"] and shown["locality"] == "central"
        assert 119 <= shown["minutes_left"] <= 120
        assert shown["proposal"]["clinician_id"] and shown["proposal"]["why"]
        # The live board carries no patient identifiers.
        raw = json.dumps(seen)
        assert nhs not in raw and "SY1 1AA" not in raw and "postcode" not in shown

        proposed = shown["proposal"]["clinician_id"]
        assigned = await http.post(
            f"/requests/{rid}/assign", json={"clinician_id": proposed}, headers=coordinator
        )
        assert assigned.status_code == 200, assigned.text
        started = time.monotonic()
        after = await board.board(lambda d: (row(d, rid) or {}).get("status") == "assigned")
        assert time.monotonic() - started < PUSH_DEADLINE_S
        assert row(after, rid)["clinician_id"] == proposed
        busy = next(c for c in after["clinicians"] if c["id"] == proposed)
        assert busy["status"] == "assigned" and busy["request_id"] == rid
        assert after["version"] > seen["version"] > first["version"]
        assert clinician in {c["id"] for c in after["clinicians"]}

        await http.post(
            f"/requests/{rid}/cancel", json={"reason": "test over"}, headers=coordinator
        )
        await board.board(lambda d: row(d, rid) is None)


async def test_an_urgent_referral_taken_by_another_replica_appears_on_the_board(
    live, http, coordinator, dispatch, infra, kit
):
    patient = f"pk-{uuid.uuid4().hex[:12]}"
    referral = ReferralUrgent(
        referral_id=f"ref-{uuid.uuid4().hex[:10]}",
        patient_key=patient,
        received_at=live.runtime.extras["clock"].now(),
        location=CrisisLocation(postcode="TF9 3AA", easting=367_000, northing=334_200),
        reason="acute confusion",
        skills_needed=["prescribing"],
    )
    async with connected(http, coordinator) as board, dispatch():
        await board.board(lambda d: True)
        await kit.produce(infra, kit.REFERRALS_TOPIC, [(kit.envelope(referral), patient)])
        seen = await board.board(
            lambda d: any(r["referral_id"] == referral.referral_id for r in d["requests"]),
            timeout=45,  # the other replica's consumer joins its group first
        )
        shown = next(r for r in seen["requests"] if r["referral_id"] == referral.referral_id)
        assert shown["locality"] == "north" and shown["skills_needed"] == ["prescribing"]
        done = {"reason": "test over"}
        await http.post(f"/requests/{shown['id']}/cancel", json=done, headers=coordinator)


async def test_the_stream_needs_a_ticket_and_the_ticket_needs_a_coordinator(
    http, coordinator, token_for
):
    refused = await http.get("/board/stream")
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await http.get("/board/stream", params={"ticket": "x" * 43})).status_code == 401
    assert (await http.post("/board/stream-ticket")).status_code == 401
    clinician = {"authorization": f"Bearer {token_for('clinician', practitioner_id='c-1')}"}
    assert (await http.post("/board/stream-ticket", headers=clinician)).status_code == 403
    issued = await http.post("/board/stream-ticket", headers=coordinator)
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    assert issued.json()["expires_in"] == 60


async def test_a_ticket_opens_the_stream_once_and_not_after_a_minute(
    live, http, coordinator, clock
):
    async with connected(http, coordinator) as board:
        await board.board(lambda d: True)
        used = board.response.request.url.params["ticket"]
    assert (await http.get("/board/stream", params={"ticket": used})).status_code == 401

    stale = (await http.post("/board/stream-ticket", headers=coordinator)).json()["ticket"]
    clock.advance(timedelta(seconds=61))
    expired = await http.get("/board/stream", params={"ticket": stale})
    assert expired.status_code == 401
    assert "expire" in expired.json()["detail"]


async def test_a_quiet_board_gets_clock_beats_and_costs_one_small_query_a_poll(
    live, http, coordinator
):
    live.runtime.extras["board_settings"] = replace(
        BoardSettings.of(live.runtime.settings), heartbeat_seconds=0.3
    )
    try:
        async with connected(http, coordinator) as board:
            await board.board(lambda d: True)
            feed = live.runtime.extras["board_feed"]
            feed.poll_seconds = 0.1
            # The first board may predate a change made just before; let one poll absorb it.
            settled = feed.polls + 2
            await eventually(lambda: _true(feed.polls >= settled), what="the board settles")
            builds, polls = feed.builds, feed.polls
            beat = await board.until(lambda e, d: e == "clock")
            assert beat["now"]
            await eventually(lambda: _true(feed.polls >= polls + 5), what="five more polls")
            assert feed.builds == builds, "an unchanged board was rebuilt"
            assert feed.listeners == 1 and feed.watching
        await eventually(lambda: _true(feed.listeners == 0), what="the board is forgotten")
        await eventually(lambda: _true(not feed.watching), what="the watcher stops")
    finally:
        live.runtime.extras["board_settings"] = BoardSettings.of(live.runtime.settings)
        live.runtime.extras["board_feed"].poll_seconds = 1.0


async def test_too_many_boards_are_turned_away_with_a_clear_status(live, http, coordinator):
    live.runtime.extras["board_settings"] = replace(
        BoardSettings.of(live.runtime.settings), max_streams=1
    )
    try:
        async with connected(http, coordinator) as board:
            await board.board(lambda d: True)
            ticket = (await http.post("/board/stream-ticket", headers=coordinator)).json()
            busy = await http.get("/board/stream", params={"ticket": ticket["ticket"]})
            assert busy.status_code == 503
    finally:
        live.runtime.extras["board_settings"] = BoardSettings.of(live.runtime.settings)
