"""How a service is assembled: one way for every service."""

from cch_servicekit.app import ServiceDefinition, create_service_app
from cch_servicekit.deps import PrincipalDep, RuntimeDep, require_roles
from cch_servicekit.errors import Problem
from cch_servicekit.runtime import Runtime
from cch_servicekit.settings import ServiceSettings

__all__ = [
    "PrincipalDep",
    "Problem",
    "Runtime",
    "RuntimeDep",
    "ServiceDefinition",
    "ServiceSettings",
    "create_service_app",
    "require_roles",
]
