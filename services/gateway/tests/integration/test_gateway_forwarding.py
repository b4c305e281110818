"""The gateway over real HTTP: identity checked at the edge, calls forwarded, streams unbuffered."""

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.main import create_app

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def upstream_service() -> tuple[FastAPI, asyncio.Event]:
    """A service behind the gateway: echoes what it was sent, and streams events on demand."""
    app = FastAPI()
    release = asyncio.Event()

    @app.api_route("/echo/{rest:path}", methods=["GET", "POST"])
    async def echo(request: Request, rest: str) -> JSONResponse:
        return JSONResponse(
            {
                "path": rest,
                "query": list(request.query_params.multi_items()),
                "body": (await request.body()).decode(),
                "prefix": request.headers.get("x-forwarded-prefix"),
                "authorised": request.headers.get("authorization", "").startswith("Bearer "),
            },
            status_code=201 if request.method == "POST" else 200,
            headers={"x-upstream": "yes"},
        )

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            yield b"event: board\ndata: first\n\n"
            await release.wait()
            yield b"event: board\ndata: second\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app, release


@contextlib.asynccontextmanager
async def gateway_in_front_of(infra, upstream_url: str) -> AsyncIterator[str]:
    env = {
        **infra.service_env("gateway"),
        "GATEWAY_UPSTREAM_DISPATCH": upstream_url,
        "GATEWAY_UPSTREAM_OPS": "http://127.0.0.1:9",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        app = create_app()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    async with serving(app) as url:
        yield url


@pytest.fixture
async def gateway(infra):
    app, release = upstream_service()
    async with serving(app) as upstream, gateway_in_front_of(infra, upstream) as url:
        yield url, release


async def test_a_call_without_a_token_is_refused_at_the_edge(gateway):
    url, _ = gateway
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{url}/api/dispatch/echo/x")
    assert r.status_code == 401


async def test_a_call_is_forwarded_with_its_body_query_and_identity(gateway, token_for):
    url, _ = gateway
    headers = {"authorization": f"Bearer {token_for('coordinator')}"}
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"{url}/api/dispatch/echo/requests",
            params=[("a", "1"), ("a", "2")],
            content=b'{"x": 1}',
            headers=headers,
        )
    assert r.status_code == 201
    assert r.headers["x-upstream"] == "yes"
    assert r.json() == {
        "path": "requests",
        "query": [["a", "1"], ["a", "2"]],
        "body": '{"x": 1}',
        "prefix": "/api/dispatch",
        "authorised": True,
    }


async def test_an_event_stream_reaches_the_caller_before_it_ends(gateway, token_for):
    url, release = gateway
    headers = {"authorization": f"Bearer {token_for('coordinator')}", "accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream("GET", f"{url}/api/dispatch/stream", headers=headers) as r,
    ):
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.aiter_lines()
        received = [await anext(lines), await anext(lines)]
        assert received == ["event: board", "data: first"]
        release.set()
        rest = [line async for line in lines if line]
    assert rest == ["event: board", "data: second"]


async def test_a_service_that_is_down_gives_a_clear_502(gateway, token_for):
    url, _ = gateway
    headers = {"authorization": f"Bearer {token_for('ops')}"}
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{url}/api/ops/events", headers=headers)
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_service_and_an_unserved_fhir_type_are_404(gateway, token_for):
    url, _ = gateway
    headers = {"authorization": f"Bearer {token_for('ops')}"}
    async with httpx.AsyncClient() as client:
        api = await client.get(f"{url}/api/nowhere/x", headers=headers)
        fhir = await client.get(f"{url}/fhir/Observation", headers=headers)
    assert api.status_code == 404
    assert fhir.status_code == 404
    assert fhir.json()["resourceType"] == "OperationOutcome"


async def test_the_board_page_opens_in_a_browser_without_a_token_but_data_does_not(gateway):
    url, _ = gateway
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{url}/api/dispatch/echo/x")
        board = await client.get(f"{url}/api/dispatch/board/live")
    assert page.status_code == 401
    # Forwarded (the stand-in service has no such page), not refused at the edge.
    assert board.status_code == 404
