"""ASGI entry: `uvicorn --factory referrals.main:create_app`."""

from fastapi import FastAPI

from cch_servicekit import create_service_app
from referrals.bootstrap import service_definition


def create_app() -> FastAPI:
    return create_service_app(service_definition())
