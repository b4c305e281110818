"""ASGI entry: `uvicorn --factory caseload.main:create_app`."""

from fastapi import FastAPI

from caseload.bootstrap import service_definition
from cch_servicekit import create_service_app


def create_app() -> FastAPI:
    return create_service_app(service_definition())
