"""ASGI entry: `uvicorn --factory caseload.main:create_app`."""

from fastapi import FastAPI

from caseload.bootstrap import service_definition
from cch_contracts.clock import Clock
from cch_servicekit import create_service_app


def create_app(clock: Clock | None = None) -> FastAPI:
    return create_service_app(service_definition(clock=clock))
