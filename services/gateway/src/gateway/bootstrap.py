"""Wires adapters into the service layer; the only module that knows both."""

import httpx

from cch_servicekit import Runtime, ServiceDefinition
from gateway.adapters.tables import metadata
from gateway.api.routes import router
from gateway.config import Settings
from gateway.entrypoints.consumer import handlers


def service_definition(settings: Settings | None = None) -> ServiceDefinition:
    current = settings or Settings()

    async def open_client(runtime: Runtime) -> None:
        runtime.extras["upstreams"] = current.upstreams()
        runtime.extras["http"] = httpx.AsyncClient(
            timeout=current.upstream_timeout_seconds,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    return ServiceDefinition(
        name="gateway",
        title="Gateway",
        description=(
            "One FHIR base URL and API entry for every client: `/fhir/<Type>` goes to the service "
            "that owns the type, `/api/<service>/...` to that service. Every call needs a bearer "
            "token; the gateway checks it and the service checks it again."
        ),
        settings=current,
        metadata=metadata,
        routers=[router],
        handlers=handlers,
        on_startup=[open_client],
    )
