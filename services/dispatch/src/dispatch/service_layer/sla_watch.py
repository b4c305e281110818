"""The background watch: a clock-driven loop for SLA warnings, shifts and re-planning."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from dispatch.domain.clock import Clock, SystemClock
from dispatch.domain.sla import SlaWarnings
from dispatch.service_layer.auto_assign import AutoAssignPolicy, after
from dispatch.service_layer.shifts import due_to_end, end_shift, start_due_shifts
from dispatch.service_layer.sla_warnings import TickResult, tick

log = logging.getLogger("dispatch.sla")


def warnings_for(settings: Any) -> SlaWarnings:
    """At-risk margin from settings."""
    return SlaWarnings(margin=timedelta(minutes=getattr(settings, "at_risk_margin_min", 30.0)))


def auto_assign_for(settings: Any) -> AutoAssignPolicy:
    """Auto-assign switch from settings (off unless DISPATCH_AUTO_ASSIGN=true)."""
    return AutoAssignPolicy(enabled=bool(getattr(settings, "auto_assign", False)))


async def run_tick(runtime: Any, clock: Clock | None = None) -> TickResult:
    """One tick in its own transaction (tests call this with a FakeClock)."""
    clock = clock or runtime.extras.setdefault("clock", SystemClock())
    now = clock.now()
    async with runtime.uow() as uow:
        result = await tick(uow, now=now, warnings=warnings_for(runtime.settings))
        await uow.commit()
    async with runtime.uow() as uow:
        # A shift that has ended hands over even if nobody pressed "end shift".
        ended = await due_to_end(uow.session, now)
        for clinician_id in ended:
            await end_shift(uow, clinician_id, now=now)
        # ... and one that has begun starts even if nobody pressed "start shift".
        started = await start_due_shifts(uow, now=now)
        trigger = "shift handover" if ended else "shift start" if started else "review"
        await after(uow, auto_assign_for(runtime.settings), now=now, trigger=trigger)
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
