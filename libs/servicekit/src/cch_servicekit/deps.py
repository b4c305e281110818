"""FastAPI dependencies: the runtime, a Unit of Work, the caller, role checks."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from cch_auth import Principal
from cch_auth.errors import forbidden, unauthenticated
from cch_servicekit.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_principal(request: Request, runtime: RuntimeDep) -> Principal:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("a bearer token is required")
    principal = runtime.verifier.verify(token.strip())
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller must hold one of `roles` (admin always may)."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(*roles):
            raise forbidden(f"requires one of the roles: {', '.join(roles)}")
        return principal

    return check
