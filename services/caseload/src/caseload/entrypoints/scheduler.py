"""The review schedule's background loop: a tick every CASELOAD_REVIEW_SCAN_SECONDS."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from caseload.service_layer.reviews import scan
from cch_contracts.clock import Clock
from cch_servicekit import Runtime

log = logging.getLogger("caseload.scheduler")


def review_scan_job(clock: Clock, every_seconds: float) -> Callable[[Runtime], Awaitable[None]]:
    async def review_schedule(runtime: Runtime) -> None:
        while True:
            try:
                result = await scan(runtime.uow, clock=clock)
                if result.reviews_announced or result.placed_from_waiting_list:
                    log.info(
                        "review schedule: %d review(s) due announced, %d placed from waiting list",
                        result.reviews_announced,
                        result.placed_from_waiting_list,
                    )
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed tick is retried on the next one
                log.exception("review schedule tick failed")
            await asyncio.sleep(every_seconds)

    return review_schedule
