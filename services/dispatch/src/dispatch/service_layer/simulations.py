"""County simulations over the API: queue one at a time, run it in a child process, keep results.

A queued or running simulation lives in the database, not in this process: if the service stops,
the run goes back to the queue (or, after a crash, is taken over once its heartbeat is stale) and
is run again from the start; the seed makes the result the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import socket
import uuid
from typing import Any

from dispatch.adapters import simulation_runs as runs
from dispatch.service_layer.errors import SimulationBusy
from dispatch.simulation.runs import SimulationSpec, run_in_child

log = logging.getLogger("dispatch.simulation")

# A run whose process keeps dying (out of memory, say) is failed after this many starts.
MAX_ATTEMPTS = 3
WAKE_UP = "simulation_wake_up"


async def request_simulation(uow: Any, spec: SimulationSpec, *, requested_by: str) -> str:
    """Queue a simulation; a second while one is queued or running is refused (409)."""
    simulation_id = f"sim-{uuid.uuid4().hex[:12]}"
    try:
        await runs.insert(
            uow.session, simulation_id=simulation_id, spec=spec, requested_by=requested_by
        )
    except runs.AnotherSimulationActive:
        busy = await runs.active(uow.session)
        which = f" ({busy.id}, {busy.status})" if busy is not None else ""
        raise SimulationBusy(
            f"another simulation is queued or running{which}; one runs at a time"
        ) from None
    return simulation_id


def wake_worker(runtime: Any) -> None:
    """Tell this process's worker a run is queued (others find it on their next poll)."""
    event: asyncio.Event | None = runtime.extras.get(WAKE_UP)
    if event is not None:
        event.set()


async def simulation_worker(runtime: Any) -> None:
    """Background job: take queued simulations one at a time and run them to the end."""
    settings = runtime.settings
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    wake = runtime.extras.setdefault(WAKE_UP, asyncio.Event())
    while True:
        try:
            while await _run_next(runtime, worker, settings):
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("simulation worker failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=float(settings.simulation_poll_seconds))
        wake.clear()


async def _run_next(runtime: Any, worker: str, settings: Any) -> bool:
    """Claim and run one simulation; False when there was none to take."""
    stale = float(settings.simulation_stale_seconds)
    async with runtime.uow() as uow:
        await runs.give_up_abandoned(uow.session, stale_seconds=stale, attempts=MAX_ATTEMPTS)
        row = await runs.claim(uow.session, worker=worker, stale_seconds=stale)
        await uow.commit()
    if row is None:
        return False
    spec = SimulationSpec(
        scale=row.scale,
        days=row.days,
        seed=row.seed,
        roster=row.roster,
        policies=tuple(row.policies),
    )
    log.info("simulation %s started (attempt %s)", row.id, row.attempts)
    await _supervise(runtime, row.id, spec, worker, float(settings.simulation_heartbeat_seconds))
    return True


async def _supervise(
    runtime: Any, simulation_id: str, spec: SimulationSpec, worker: str, every: float
) -> None:
    """Start the child, pass its progress on as heartbeats, and store how it ended."""
    context = multiprocessing.get_context("spawn")  # never fork a process running an event loop
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=run_in_child,
        args=(spec.as_json(), send),
        name=f"dispatch-{simulation_id}",
        daemon=True,
    )
    child.start()
    send.close()
    outcome: tuple[str, Any] | None = None
    progress = 0.0
    try:
        while outcome is None:
            await asyncio.sleep(every)
            try:
                while outcome is None and receive.poll():
                    kind, value = receive.recv()
                    if kind == "progress":
                        progress = float(value)
                    else:
                        outcome = (kind, value)
            except EOFError:
                outcome = ("failed", f"the simulation process ended (exit {child.exitcode})")
            if outcome is None and not child.is_alive() and not receive.poll():
                outcome = ("failed", f"the simulation process ended (exit {child.exitcode})")
            if outcome is None:
                async with runtime.uow() as uow:
                    mine = await runs.heartbeat(
                        uow.session, simulation_id, worker=worker, progress=progress
                    )
                    await uow.commit()
                if not mine:
                    log.warning("simulation %s was taken over; stopping this run", simulation_id)
                    return
        kind, value = outcome
        async with runtime.uow() as uow:
            if kind == "done":
                await runs.finish(uow.session, simulation_id, worker=worker, results=value)
            else:
                await runs.finish(uow.session, simulation_id, worker=worker, error=str(value))
            await uow.commit()
        log.info("simulation %s %s", simulation_id, "done" if kind == "done" else "failed")
    except asyncio.CancelledError:
        # Stopping: hand the run back so the next process runs it again.
        async with runtime.uow() as uow:
            await runs.requeue(uow.session, simulation_id, worker=worker)
            await uow.commit()
        raise
    finally:
        if child.is_alive():
            child.kill()
        await asyncio.to_thread(child.join, 5)
        receive.close()
