"""End-to-end fixtures: the whole stack once per session (see cch_devstack.testing.stack)."""

import pytest

from clients import ApiClient, OpsClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def gateway_url(stack) -> str:
    return stack.config.service_url("gateway")


@pytest.fixture(scope="session")
def ops_token(token_for) -> str:
    return token_for("ops", scopes="system/AuditEvent.rs")


@pytest.fixture(scope="session")
def ops(gateway_url, ops_token) -> OpsClient:
    return OpsClient(f"{gateway_url}/api/ops", ops_token)


@pytest.fixture(scope="session")
def anonymous(gateway_url) -> ApiClient:
    return ApiClient(gateway_url)
