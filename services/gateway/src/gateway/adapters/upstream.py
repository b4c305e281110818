"""Forwarding to the services: hop-by-hop headers dropped, the caller's identity forwarded.

Responses are streamed through rather than buffered, so a server-sent event stream (the dispatch
board) or a large CSV download reaches the caller as the service writes it.
"""

import httpx
from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)

# An event stream stays open for as long as the coordinator watches the board: no read timeout.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)


def upstream_request(
    client: httpx.AsyncClient, request: Request, body: bytes, *, url: str, prefix: str
) -> httpx.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["x-forwarded-host"] = request.headers.get("host", "")
    headers["x-forwarded-proto"] = request.url.scheme
    headers["x-forwarded-prefix"] = prefix
    wants_stream = "text/event-stream" in request.headers.get("accept", "")
    return client.build_request(
        request.method,
        url,
        params=list(request.query_params.multi_items()),
        content=body,
        headers=headers,
        timeout=STREAM_TIMEOUT if wants_stream else httpx.USE_CLIENT_DEFAULT,
    )


def response_headers(upstream: httpx.Response) -> dict[str, str]:
    return {
        k: v
        for k, v in upstream.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
    }


async def forward(
    client: httpx.AsyncClient, request: Request, *, base: str, path: str, prefix: str = ""
) -> StreamingResponse:
    outbound = upstream_request(
        client, request, await request.body(), url=f"{base}{path}", prefix=prefix
    )
    upstream = await client.send(outbound, stream=True)
    return StreamingResponse(
        upstream.aiter_bytes(),
        status_code=upstream.status_code,
        headers=response_headers(upstream),
        background=BackgroundTask(upstream.aclose),
    )
