"""Forwarding to the services: hop-by-hop headers dropped, the caller's identity forwarded."""

import httpx
from fastapi import Request
from fastapi.responses import Response

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


async def forward(
    client: httpx.AsyncClient, request: Request, *, base: str, path: str, prefix: str = ""
) -> Response:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["x-forwarded-host"] = request.headers.get("host", "")
    headers["x-forwarded-proto"] = request.url.scheme
    headers["x-forwarded-prefix"] = prefix
    upstream = await client.request(
        request.method,
        f"{base}{path}",
        params=list(request.query_params.multi_items()),
        content=await request.body(),
        headers=headers,
    )
    out_headers = {
        k: v
        for k, v in upstream.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
    }
    return Response(upstream.content, status_code=upstream.status_code, headers=out_headers)
