"""Errors become responses in one place: problem+json, or OperationOutcome under /fhir."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from cch_auth import AuthError
from cch_fhir.errors import FhirError, Issue, operation_outcome
from cch_fhir.http import FhirResponse

log = logging.getLogger("cch.errors")

_FHIR_CODE_FOR_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


class Problem(Exception):
    """A 4xx for plain JSON APIs (RFC 9457 problem details)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        code: str = "invalid",
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.errors = errors or []


def is_fhir(request: Request) -> bool:
    return request.url.path.startswith("/fhir")


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    code: str = "invalid",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://cch.example.nhs.uk/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def error_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_fhir(request):
        issues = [Issue(_FHIR_CODE_FOR_STATUS.get(status, code), detail)]
        for err in errors or []:
            issues.append(Issue("invalid", str(err.get("msg")), expression=err.get("loc")))
        return FhirResponse(operation_outcome(issues), status_code=status, headers=headers)
    return problem_response(
        status, _title(status), detail, code=code, errors=errors, headers=headers
    )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install_error_handlers(
    app: FastAPI, domain_errors: dict[type[Exception], Callable[[Exception], Problem]] | None = None
) -> None:
    async def fhir_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FhirError)
        return FhirResponse(operation_outcome(exc.issues), status_code=exc.status)

    async def auth_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        headers = {"WWW-Authenticate": 'Bearer realm="cch"'} if exc.status == 401 else None
        return error_response(request, exc.status, exc.code, exc.detail, headers=headers)

    async def problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return error_response(request, exc.status, exc.code, exc.detail, errors=exc.errors)

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "loc": ".".join(str(p) for p in e.get("loc", ())),
                "msg": e.get("msg"),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        status = 400 if is_fhir(request) else 422
        return error_response(
            request, status, "invalid", "request failed validation", errors=errors
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(
            request, exc.status_code, "http", str(exc.detail), headers=getattr(exc, "headers", None)
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.scope.get("route"))
        return error_response(request, 500, "exception", "internal error; it has been logged")

    app.add_exception_handler(FhirError, fhir_error)
    app.add_exception_handler(AuthError, auth_error)
    app.add_exception_handler(Problem, problem)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
    for exc_type, to_problem in (domain_errors or {}).items():

        async def domain(
            request: Request, exc: Exception, _map: Callable[[Exception], Problem] = to_problem
        ) -> Response:
            p = _map(exc)
            return error_response(request, p.status, p.code, p.detail, errors=p.errors)

        app.add_exception_handler(exc_type, domain)
