"""A route class for hot paths: the caller and runtime come straight from the request."""

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from cch_servicekit.deps import get_principal


class DirectRoute(APIRoute):
    """Calls its endpoint with the path parameters (as text), `runtime`, the verified
    `principal` and, when it names one, the `request`, skipping FastAPI's per-request
    dependency solving and parameter validation, which cost a short request more than its SQL.
    The endpoint's signature still documents the operation; it must take exactly those
    arguments, read anything else (headers, body) from the request, and return a Response.
    A test's `dependency_overrides` of get_principal still apply."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint
        wants_request = "request" in inspect.signature(endpoint).parameters

        async def handle(request: Request) -> Response:
            runtime = request.app.state.runtime
            override = request.app.dependency_overrides.get(get_principal)
            if override is None:
                principal = await get_principal(request, runtime)
            else:
                principal = await override(request, runtime)
            extra = {"request": request} if wants_request else {}
            response: Response = await endpoint(
                **request.path_params, runtime=runtime, principal=principal, **extra
            )
            return response

        return handle
