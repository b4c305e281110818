"""FastAPI dependencies: the runtime, a Unit of Work, the caller, role checks."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from cch_auth import Principal
from cch_auth.errors import forbidden, unauthenticated
from cch_servicekit.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """The verified caller. Runs on the event loop (no thread hand-off per request); only a
    verification that may fetch the issuer's keys over the network goes to a worker thread."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthenticated("a bearer token is required")
    verifier = runtime.verifier
    principal = verifier.cached(token)
    if principal is None:
        if verifier.may_fetch_keys:
            principal = await run_in_threadpool(verifier.verify, token)
        else:
            principal = verifier.verify(token)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the caller must hold one of `roles` (admin always may)."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(*roles):
            raise forbidden(f"requires one of the roles: {', '.join(roles)}")
        return principal

    return check
