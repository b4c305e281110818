"""The live board's feed: one watcher per process notices dispatch changes and fans them out.

Every connected board shares one poll of the dispatch schema. The poll is a single query that
hashes the rows the board shows (open requests and the roster), so it costs one round trip a
second while boards are open and nothing at all when none are. Only when the hash moves is the
board rebuilt (requests by time left, clinicians, and the engine's proposal for each request) and
pushed to every subscriber; a slow subscriber holds at most the newest snapshot, never a backlog.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dispatch.adapters import tables as t
from dispatch.domain.clock import Clock
from dispatch.domain.geography import SHROPSHIRE_BOUNDS
from dispatch.service_layer import dispatching as uc
from dispatch.service_layer import reports

log = logging.getLogger("dispatch.board")

Snapshot = dict[str, Any]

# Everything the board shows lives in these rows; any change to them changes the hash.
_FINGERPRINT = sa.text(
    "SELECT md5("
    " coalesce((SELECT string_agg(r::text, '|' ORDER BY r.id)"
    f"           FROM {t.requests.fullname} r WHERE r.status = ANY(:statuses)), '')"
    " || '#' ||"
    " coalesce((SELECT string_agg(c::text, '|' ORDER BY c.id)"
    f"           FROM {t.clinicians.fullname} c), ''))"
)


async def fingerprint(runtime: Any) -> str:
    """A hash of the board's rows: equal hashes mean an unchanged board."""
    async with runtime.engine.connect() as conn:
        result = await conn.execute(_FINGERPRINT, {"statuses": list(uc.ON_BOARD)})
        return str(result.scalar_one())


def _proposal(plan: Any, request_id: str) -> dict[str, Any]:
    found = plan.for_request(request_id)
    if found is None:
        why = next(
            (u.why for u in plan.unplanned if u.request_id == request_id),
            "not waiting for a clinician",
        )
        return {"clinician_id": None, "why": why}
    return {
        "clinician_id": found.clinician_id,
        "projected_arrival": found.projected_arrival.isoformat(),
        "slack_minutes": round(found.slack.total_seconds() / 60.0, 1),
        "dispatch_now": bool(found.dispatch_now),
        "meets_deadline": bool(found.meets_deadline),
        "why": found.why,
    }


async def build_snapshot(runtime: Any, now: datetime) -> Snapshot:
    """The board as a coordinator sees it: GET /board plus a proposal per request.

    Postcodes stay off the live board (the map shows where); the request view has them.
    """
    async with runtime.sessions() as session:
        board = await reports.board(session, now)
        plan = await uc.plan_now(session, now)
    for request in board["requests"]:
        request.pop("postcode", None)
        request["proposal"] = _proposal(plan, request["id"])
    board["policy"] = plan.policy
    board["at_risk_margin_min"] = getattr(runtime.settings, "at_risk_margin_min", 30.0)
    board["bounds"] = {
        "min_easting": SHROPSHIRE_BOUNDS.min_easting,
        "max_easting": SHROPSHIRE_BOUNDS.max_easting,
        "min_northing": SHROPSHIRE_BOUNDS.min_northing,
        "max_northing": SHROPSHIRE_BOUNDS.max_northing,
    }
    return board


@dataclass(frozen=True, slots=True)
class BoardSettings:
    """The board's knobs (defaults as in config.Settings)."""

    poll_seconds: float = 1.0
    heartbeat_seconds: float = 15.0
    ticket_seconds: float = 60.0
    max_streams: int = 200

    @classmethod
    def of(cls, settings: Any) -> BoardSettings:
        """The `board_*` fields of config.Settings (env DISPATCH_BOARD_...)."""
        return cls(
            poll_seconds=float(settings.board_poll_seconds),
            heartbeat_seconds=float(settings.board_heartbeat_seconds),
            ticket_seconds=float(settings.board_ticket_seconds),
            max_streams=int(settings.board_max_streams),
        )


def board_settings(runtime: Any) -> BoardSettings:
    """This process's board settings (read once)."""
    found: BoardSettings = runtime.extras.setdefault(
        "board_settings", BoardSettings.of(runtime.settings)
    )
    return found


class BoardFeed:
    """Polls for changes while anyone is watching and hands each subscriber the newest board."""

    def __init__(
        self,
        *,
        build: Callable[[], Awaitable[Snapshot]],
        fingerprint: Callable[[], Awaitable[str]],
        poll_seconds: float = 1.0,
    ) -> None:
        self._build = build
        self._fingerprint = fingerprint
        self.poll_seconds = poll_seconds
        self._subscribers: set[asyncio.Queue[Snapshot]] = set()
        self._task: asyncio.Task[None] | None = None
        self._latest: Snapshot | None = None
        self._version = 0
        self.polls = 0
        self.builds = 0

    @property
    def listeners(self) -> int:
        """Boards connected now."""
        return len(self._subscribers)

    @property
    def watching(self) -> bool:
        """True while the watcher polls (only while someone is connected)."""
        return self._task is not None

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Snapshot]]:
        """A queue that always holds the newest board not yet taken (the current one first)."""
        queue: asyncio.Queue[Snapshot] = asyncio.Queue(maxsize=1)
        self._subscribers.add(queue)
        if self._latest is not None:
            queue.put_nowait(self._latest)
        if self._task is None:
            # A clean context: the watcher outlives the request that happened to start it.
            self._task = asyncio.get_running_loop().create_task(
                self._watch(), name="dispatch:board-feed", context=contextvars.Context()
            )
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def _watch(self) -> None:
        seen: str | None = None
        try:
            while self._subscribers:
                try:
                    seen = await self._refresh(seen)
                except Exception as exc:  # the database may blip; boards keep the last view
                    log.warning("board refresh failed: %s", type(exc).__name__)
                await asyncio.sleep(self.poll_seconds)
        finally:
            self._task = None
            self._latest = None

    async def _refresh(self, seen: str | None) -> str:
        self.polls += 1
        current = await self._fingerprint()
        if current == seen and self._latest is not None:
            return current
        snapshot = await self._build()
        self.builds += 1
        self._version += 1
        snapshot["version"] = self._version
        self._latest = snapshot
        for queue in list(self._subscribers):
            _offer(queue, snapshot)
        return current

    async def aclose(self) -> None:
        """Stop watching (service shutdown)."""
        task = self._task
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def _offer(queue: asyncio.Queue[Snapshot], snapshot: Snapshot) -> None:
    """Replace whatever the subscriber has not read yet: only the newest board matters."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(snapshot)


def feed_of(runtime: Any, clock: Clock) -> BoardFeed:
    """The process's one feed (created on first use)."""
    feed: BoardFeed | None = runtime.extras.get("board_feed")
    if feed is None:
        feed = BoardFeed(
            build=lambda: build_snapshot(runtime, clock.now()),
            fingerprint=lambda: fingerprint(runtime),
            poll_seconds=board_settings(runtime).poll_seconds,
        )
        runtime.extras["board_feed"] = feed
    return feed
