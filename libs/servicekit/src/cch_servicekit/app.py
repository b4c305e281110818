"""create_service_app(): routers, error handling, health, metrics, tracing, background loops."""

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Response

from cch_messaging import HandlerRegistry
from cch_observability.logging import configure_logging
from cch_observability.metrics import metrics_response
from cch_servicekit.direct_route import DirectLane
from cch_servicekit.errors import Problem, install_error_handlers
from cch_servicekit.health import router as health_router
from cch_servicekit.middleware import HttpMetricsMiddleware, RequestContextMiddleware
from cch_servicekit.runtime import BackgroundJob, Runtime, build_runtime
from cch_servicekit.settings import ServiceSettings

log = logging.getLogger("cch.app")


@dataclass
class ServiceDefinition:
    """What a service brings; the kit does the rest the same way everywhere."""

    name: str
    title: str
    description: str
    settings: ServiceSettings
    metadata: sa.MetaData
    routers: list[APIRouter] = field(default_factory=list)
    handlers: HandlerRegistry | None = None
    background: list[BackgroundJob] = field(default_factory=list)
    on_startup: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    domain_errors: dict[type[Exception], Callable[[Exception], Problem]] = field(
        default_factory=dict
    )
    version: str = "0.1.0"


def create_service_app(service: ServiceDefinition) -> FastAPI:
    settings = service.settings
    configure_logging(service.name, level=settings.log_level, json_output=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(
            name=service.name,
            settings=settings,
            metadata=service.metadata,
            handlers=service.handlers,
        )
        app.state.runtime = runtime
        for hook in service.on_startup:
            await hook(runtime)
        if runtime.relay is not None:
            runtime.spawn("relay", runtime.relay.run())
        if runtime.consumer is not None:
            runtime.spawn("consumer", runtime.consumer.run())
        for job in service.background:
            runtime.spawn(getattr(job, "__name__", "job"), job(runtime))
        # what start-up built lives as long as the process: keep it out of the collector's
        # scans, which every request's short-lived objects would otherwise trigger
        gc.collect()
        gc.freeze()
        log.info("%s started", service.name)
        try:
            yield
        finally:
            await runtime.stop()
            log.info("%s stopped", service.name)

    app = FastAPI(
        title=service.title,
        description=service.description,
        version=service.version,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        swagger_ui_parameters={"persistAuthorization": True},
    )
    install_error_handlers(app, service.domain_errors)
    # added last runs first: metrics see every response, including the 413s the context refuses;
    # the direct lane, added first, runs innermost, just before FastAPI's own routing
    app.add_middleware(DirectLane, fastapi=app, routers=[health_router, *service.routers])
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetricsMiddleware, service=service.name)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return metrics_response()

    app.include_router(health_router)
    for router in service.routers:
        app.include_router(router)
    return app
