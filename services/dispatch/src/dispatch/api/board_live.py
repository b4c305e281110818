"""The coordinator's live board: a page, its script and style, a stream ticket and the stream.

The page, script and style are a shell with no patient data, served without a token so a browser
can load them; the page then asks for the coordinator's bearer token once and keeps it in the
tab's sessionStorage. Data flows only through calls that carry that token, and through the
server-sent event stream, which a browser opens with EventSource and so cannot send a header:
the page trades its token for a single-use, 60-second stream ticket first (board_tickets.py),
which any replica redeems (tickets are held in the database, as hashes).
No patient identifier ever appears in a URL; the stream carries no postcodes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from cch_auth import Principal
from cch_servicekit import Problem
from cch_servicekit.audit import record_access
from cch_servicekit.deps import RuntimeDep, require_roles
from dispatch.adapters.tables import access_audit
from dispatch.api.board_feed import BoardFeed, Snapshot, board_settings, feed_of
from dispatch.api.board_tickets import StreamTickets, TooManyTickets, token_expiry
from dispatch.domain.clock import Clock, SystemClock

router = APIRouter(tags=["dispatch board"])

Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
ASSETS = Path(__file__).resolve().parent.parent / "static" / "board"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _load_assets() -> dict[str, Asset]:
    kinds = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
    found = {}
    for path in sorted(ASSETS.iterdir()):
        if path.suffix in kinds:
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            found[path.name] = Asset(body, f"{kinds[path.suffix]}; charset=utf-8", etag)
    return found


_ASSETS = _load_assets()


def _serve(name: str, request: Request) -> Response:
    asset = _ASSETS.get(name)
    if asset is None:
        raise Problem(404, "Not found", f"no board asset {name!r}", code="not-found")
    headers = {**SECURITY_HEADERS, "ETag": asset.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _clock(runtime: Any) -> Clock:
    clock: Clock = runtime.extras.setdefault("clock", SystemClock())
    return clock


def _tickets(runtime: Any) -> StreamTickets:
    tickets: StreamTickets | None = runtime.extras.get("board_tickets")
    if tickets is None:
        ttl = timedelta(seconds=board_settings(runtime).ticket_seconds)
        tickets = StreamTickets(_clock(runtime), ttl=ttl)
        runtime.extras["board_tickets"] = tickets
    return tickets


def _no_ticket() -> Problem:
    return Problem(
        401,
        "Unauthorized",
        "a stream ticket is required (POST /board/stream-ticket with a bearer token);"
        " tickets work once and expire after a minute",
        code="login",
    )


@router.get("/board/live", include_in_schema=False)
async def board_page(request: Request) -> Response:
    """The coordinator board (a shell: it asks for a token and shows nothing without one)."""
    return _serve("board.html", request)


@router.get("/board/assets/{name}", include_in_schema=False)
async def board_asset(name: str, request: Request) -> Response:
    """The board's script and style, served from this service (no CDN)."""
    if name == "board.html":
        raise Problem(404, "Not found", f"no board asset {name!r}", code="not-found")
    return _serve(name, request)


@router.post("/board/stream-ticket")
async def stream_ticket(principal: Coordinator, runtime: RuntimeDep) -> Response:
    """Trade the bearer token for a single-use ticket that opens the board stream once."""
    try:
        async with runtime.uow() as uow:
            issued = await _tickets(runtime).issue(uow.session, principal)
            await uow.commit()
    except TooManyTickets as exc:
        raise Problem(429, "Too many stream tickets", str(exc), code="throttled") from None
    now = _clock(runtime).now()
    body = {
        "ticket": issued.ticket,
        "expires_at": issued.expires_at.isoformat(),
        "expires_in": max(0, int((issued.expires_at - now).total_seconds())),
    }
    return Response(
        json.dumps(body), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


def _sse(event: str, data: Any, *, event_id: int | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


async def _events(
    feed: BoardFeed, request: Request, *, clock: Clock, heartbeat: float, until: datetime | None
) -> AsyncIterator[str]:
    """The board now, then again on every change, with a clock beat while nothing changes."""
    yield "retry: 3000\n\n"
    async with feed.subscribe() as queue:
        while True:
            if until is not None and datetime.now(UTC) >= until:
                yield _sse("expired", {"detail": "the bearer token has expired"})
                return
            try:
                snapshot: Snapshot = await asyncio.wait_for(queue.get(), timeout=heartbeat)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield _sse("clock", {"now": clock.now().isoformat()})
                continue
            yield _sse("board", snapshot, event_id=snapshot.get("version"))


@router.get("/board/stream")
async def board_stream(
    request: Request,
    runtime: RuntimeDep,
    ticket: Annotated[str | None, Query(max_length=128)] = None,
) -> StreamingResponse:
    """Server-sent events: `board` (the whole board) on every change, `clock` beats between."""
    clock = _clock(runtime)
    feed = feed_of(runtime, clock)
    knobs = board_settings(runtime)
    if not ticket:
        raise _no_ticket()
    # Redeeming, the checks and the audit row share one transaction: a refused stream (busy)
    # leaves its ticket unused, and a ticket opens at most one stream on any replica.
    async with runtime.uow() as uow:
        principal = await _tickets(runtime).redeem(uow.session, ticket)
        if principal is None:
            raise _no_ticket()
        if not principal.has_role("coordinator"):
            raise Problem(
                403, "Forbidden", "requires one of the roles: coordinator", code="forbidden"
            )
        limit = knobs.max_streams
        if feed.listeners >= limit:
            raise Problem(503, "Busy", f"{limit} boards are already connected", code="throttled")
        await record_access(
            uow.session,
            access_audit,
            principal=principal,
            interaction="search",
            resource_type="DispatchRequest",
            resource_id=None,
            patient_key=None,
            detail="live board stream opened",
        )
        await uow.commit()
    return StreamingResponse(
        _events(
            feed,
            request,
            clock=clock,
            heartbeat=knobs.heartbeat_seconds,
            until=token_expiry(principal),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
