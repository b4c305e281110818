"""The background SLA watch: a clock-driven loop around the service-layer tick."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from dispatch.domain.clock import Clock, SystemClock
from dispatch.domain.sla import SlaWarnings
from dispatch.service_layer.dispatching import TickResult, tick

log = logging.getLogger("dispatch.sla")


def warnings_for(settings: Any) -> SlaWarnings:
    """At-risk margin from settings."""
    return SlaWarnings(margin=timedelta(minutes=getattr(settings, "at_risk_margin_min", 30.0)))


async def run_tick(runtime: Any, clock: Clock | None = None) -> TickResult:
    """One tick in its own transaction (tests call this with a FakeClock)."""
    clock = clock or runtime.extras.setdefault("clock", SystemClock())
    async with runtime.uow() as uow:
        result = await tick(uow, now=clock.now(), warnings=warnings_for(runtime.settings))
        await uow.commit()
    return result


async def sla_watch(runtime: Any) -> None:
    """Tick forever; a failed tick is logged and retried next time."""
    interval = float(getattr(runtime.settings, "sla_tick_seconds", 15.0))
    while True:
        try:
            await run_tick(runtime)
        except Exception:
            log.exception("SLA tick failed")
        await asyncio.sleep(interval)
