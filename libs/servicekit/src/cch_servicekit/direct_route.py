"""Hot paths: a route class whose endpoint gets the caller and runtime straight from the request,
and a lane that reaches such routes without FastAPI's router."""

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute, APIRouter
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cch_servicekit.deps import get_principal

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class DirectRoute(APIRoute):
    """Calls its endpoint with the path parameters (as text), `runtime`, the verified
    `principal` and, when it names one, the `request`, skipping FastAPI's per-request
    dependency solving and parameter validation, which cost a short request more than its SQL.
    The endpoint's signature still documents the operation; it must take exactly those
    arguments, read anything else (headers, body) from the request, and return a Response.
    A test's `dependency_overrides` of get_principal still apply."""

    def get_route_handler(self) -> Handler:
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


class DirectLane:
    """Sends a request for a DirectRoute straight to it, past FastAPI's router and the route's
    own wrappers (whose per-request work is most of a short request's framework cost). It sits
    inside the service's middleware, so context, metrics and body limits apply as to any other
    route; an error becomes the response the app's exception handlers make of it, as it would
    on the ordinary path. Route order still decides: a request that an earlier route could also
    take goes on to the app, as does everything else."""

    def __init__(self, app: ASGIApp, *, fastapi: FastAPI, routers: list[APIRouter]) -> None:
        """`routers`: every router `fastapi` includes, in order, each with no prefix added."""
        self.app = app
        self.fastapi = fastapi
        self.routers = routers
        self._lanes: list[tuple[DirectRoute, Handler, list[BaseRoute]]] | None = None

    def _build(self) -> list[tuple[DirectRoute, Handler, list[BaseRoute]]]:
        """Each DirectRoute with the routes before it (the app's own, then the routers') whose
        paths could also match a path it matches."""
        own = [r for r in self.fastapi.routes if isinstance(r, Route)]
        ordered: list[BaseRoute] = [*own, *(r for router in self.routers for r in router.routes)]
        lanes = []
        for i, route in enumerate(ordered):
            if isinstance(route, DirectRoute):
                earlier = [e for e in ordered[:i] if _may_overlap(e, route)]
                lanes.append((route, route.get_route_handler(), earlier))
        return lanes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            lanes = self._lanes if self._lanes is not None else self._take_lanes()
            for route, handler, earlier in lanes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    if any(e.matches(scope)[0] is Match.FULL for e in earlier):
                        break  # an earlier route takes it, as FastAPI's router would decide
                    scope.update(child)
                    await self._handle(handler, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _take_lanes(self) -> list[tuple[DirectRoute, Handler, list[BaseRoute]]]:
        self._lanes = self._build()  # at the first request: every route is in place by then
        return self._lanes

    async def _handle(self, handler: Handler, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await handler(request)
        except Exception as exc:
            response = await self._error_response(request, exc)
        await response(scope, receive, send)

    async def _error_response(self, request: Request, exc: Exception) -> Response:
        handlers = self.fastapi.exception_handlers
        found: Any = None
        if isinstance(exc, HTTPException):
            found = handlers.get(exc.status_code)
        if found is None:
            found = next((handlers[t] for t in type(exc).__mro__ if t in handlers), None)
        if found is None:
            raise exc  # as on the ordinary path: the server error middleware answers 500
        response = found(request, exc)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        return response


def _may_overlap(earlier: BaseRoute, route: Route) -> bool:
    """Whether some path could match both (segment by segment: two different literal segments
    never do; a parameter may be anything; a path parameter spans segments)."""
    first = getattr(earlier, "path", None)
    if not isinstance(first, str):
        return True  # not a path route (a mount, say): let it decide
    if ":path}" in first or ":path}" in route.path:
        return True
    mine, theirs = route.path.split("/"), first.split("/")
    if len(mine) != len(theirs):
        return False
    return all("{" in a or "{" in b or a == b for a, b in zip(mine, theirs, strict=True))
