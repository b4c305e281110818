"""Fixtures of the careplans integration tests: the service in-process, tokens, the topic."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fhir_helpers import ORG, bearer

from careplans.main import create_app
from cch_devstack.testing import service_app


@pytest.fixture
async def client(infra):
    async with service_app(infra, "careplans", create_app) as c:
        yield c


@pytest.fixture
def system(token_for):
    """An EHR system of organisation ORG (it manages the care teams the tests create)."""
    return bearer(token_for("ehr-system", scopes="system/*.cruds", organisation=ORG))


@pytest.fixture
def platform(token_for):
    """The platform itself: a trusted system that reaches every patient."""
    return bearer(token_for("ehr-system", scopes="system/*.cruds", organisation="cch-platform"))
