"""ASGI entry: `uvicorn --factory referrals.main:create_app`."""

from fastapi import FastAPI

from cch_servicekit import create_service_app
from referrals.bootstrap import service_definition
from referrals.domain.clock import Clock


def create_app(clock: Clock | None = None) -> FastAPI:
    return create_service_app(service_definition(clock=clock))
