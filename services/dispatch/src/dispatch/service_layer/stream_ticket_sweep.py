"""The background sweep that forgets board stream tickets which can never open a stream again."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from dispatch.adapters import stream_tickets
from dispatch.domain.clock import Clock, SystemClock

log = logging.getLogger("dispatch.board")


async def sweep_once(runtime: Any, clock: Clock | None = None) -> int:
    """Delete used and expired tickets in one statement; how many went (tests call this)."""
    clock = clock or runtime.extras.setdefault("clock", SystemClock())
    async with runtime.uow() as uow:
        gone = await stream_tickets.purge(uow.session, now=clock.now())
        await uow.commit()
    return gone


async def stream_ticket_sweep(runtime: Any) -> None:
    """Sweep once a ticket lifetime on every replica (the delete is idempotent)."""
    interval = float(getattr(runtime.settings, "board_ticket_seconds", 60.0))
    while True:
        try:
            await sweep_once(runtime)
        except Exception:  # the database may blip; the next sweep catches up
            log.exception("stream ticket sweep failed")
        await asyncio.sleep(interval)
