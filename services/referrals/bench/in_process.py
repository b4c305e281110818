"""Driving the app in-process as a server would, and counting its database round trips."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event as sa_event


class AsgiClient:
    """Calls the app as an ASGI server does once it has parsed a request (scope, receive,
    send), with none of an HTTP client library's own work: the server's cost alone, as a load
    generator in another process would see it. (`--client httpx` uses httpx's ASGI transport.)"""

    def __init__(self, app: Any, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [*self.headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("referrals", 80),
        }
        delivered = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


class StatementCounter:
    """Round trips the service makes: the engine's statements, BEGINs and COMMITs/ROLLBACKs,
    and the driver pool's single statements."""

    def __init__(self, runtime: Any) -> None:
        self.count = 0
        self.engine_on = False
        self.engine = runtime.engine.sync_engine
        self.names = ("before_cursor_execute", "begin", "commit", "rollback")
        for name in self.names:
            sa_event.listen(self.engine, name, self._one)
        self.driver = runtime.driver
        fetchrow = self.driver.fetchrow

        async def counted(sql: str, *args: Any) -> Any:
            self._one()
            return await fetchrow(sql, *args)

        self.driver.fetchrow = counted

    def _one(self, *args: Any, **kwargs: Any) -> None:
        self.count += self.engine_on

    def close(self) -> None:
        for name in self.names:
            sa_event.remove(self.engine, name, self._one)
        del self.driver.fetchrow  # the class's own method again
