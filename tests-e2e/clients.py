"""Typed clients for the platform's public APIs, as an integrator would write them."""

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class ApiClient:
    """One service (or the gateway) with a bearer token."""

    base_url: str
    token: str | None = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    async def get(self, path: str, **params: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as c:
            return await c.get(path, params=params or None, headers=self._headers())

    async def post(
        self,
        path: str,
        json: Any = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as c:
            return await c.post(path, json=json, content=content, headers=self._headers(headers))


@dataclass
class OpsClient(ApiClient):
    async def events(self, **filters: Any) -> list[dict[str, Any]]:
        r = await self.get("/events", **filters)
        r.raise_for_status()
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def streams(self) -> dict[str, Any]:
        r = await self.get("/streams")
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    async def dead_letters(self, **filters: Any) -> list[dict[str, Any]]:
        r = await self.get("/dead-letters", **filters)
        r.raise_for_status()
        items: list[dict[str, Any]] = r.json()["items"]
        return items
