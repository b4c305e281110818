"""How a commit wakes the outbox relay: directly when one runs in this process, else by NOTIFY."""

import asyncio
import contextlib
from collections.abc import Callable


def notify_channel(schema: str) -> str:
    return f"cch_outbox_{schema}"


# relays running in this process, by channel: (their event loop, their wake-up)
_LOCAL_RELAYS: dict[str, list[tuple[asyncio.AbstractEventLoop, Callable[[], None]]]] = {}


def listen_locally(channel: str, wake: Callable[[], None]) -> Callable[[], None]:
    """Register a relay of this process for commits on `channel`; returns the unregister.
    While one is registered, commits here wake it directly instead of sending a NOTIFY: a
    NOTIFY holds a database-wide lock from before the commit until it is flushed, so
    notifying writers commit one at a time."""
    entry = (asyncio.get_running_loop(), wake)
    _LOCAL_RELAYS.setdefault(channel, []).append(entry)

    def unregister() -> None:
        relays = _LOCAL_RELAYS.get(channel, [])
        if entry in relays:
            relays.remove(entry)
        if not relays:
            _LOCAL_RELAYS.pop(channel, None)

    return unregister


def has_local_relay(channel: str) -> bool:
    """A relay whose event loop has closed without unregistering no longer counts."""
    relays = _LOCAL_RELAYS.get(channel)
    if relays:
        relays[:] = [(loop, wake) for loop, wake in relays if not loop.is_closed()]
    return bool(relays)


def wake_local_relays(channel: str) -> None:
    for loop, wake in list(_LOCAL_RELAYS.get(channel, ())):
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is running:
            wake()
        elif not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed in the meantime
                loop.call_soon_threadsafe(wake)
