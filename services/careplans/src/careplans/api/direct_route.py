"""A route class for the read hot path: the caller and runtime come straight from the request."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from cch_servicekit.deps import get_principal


class DirectRoute(APIRoute):
    """Calls its endpoint with the path parameters (as text), `runtime` and the verified
    `principal`, skipping FastAPI's per-request dependency solving and parameter validation,
    which cost a read more than its SQL. The endpoint's signature still documents the operation;
    it must take exactly those arguments and return a Response."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            runtime = request.app.state.runtime
            principal = await get_principal(request, runtime)
            response: Response = await endpoint(
                **request.path_params, runtime=runtime, principal=principal
            )
            return response

        return handle
