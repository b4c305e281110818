"""Tokens for the referrals integration tests; builders live in referrals_testkit (on sys.path:
pytest runs with --import-mode=importlib, which does not add test folders)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def ehr(token_for) -> dict[str, str]:
    return {
        "authorization": f"Bearer {token_for('ehr-system', scopes='system/ServiceRequest.cruds')}"
    }


@pytest.fixture(scope="session")
def mdt(token_for) -> dict[str, str]:
    token = token_for("case-manager", practitioner_id="cm-1", scopes="user/ServiceRequest.rs")
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def referrals(infra):
    """One referrals service (API, consumer, relay) for the whole session: starting is cheap,
    stopping waits for the consumer's poll, so tests share it and use unique patients."""
    from cch_devstack.testing import service_app
    from referrals.main import create_app

    async with service_app(infra, "referrals", create_app) as client:
        yield client
