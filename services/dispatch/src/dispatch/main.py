"""ASGI entry: `uvicorn --factory dispatch.main:create_app`."""

from fastapi import FastAPI

from cch_servicekit import create_service_app
from dispatch.bootstrap import service_definition
from dispatch.domain.clock import Clock


def create_app(clock: Clock | None = None) -> FastAPI:
    return create_service_app(service_definition(clock=clock))
