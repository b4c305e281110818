"""`make run` seeds every service through its CLI; each seed must work and be repeatable."""

import pytest

from cch_devstack.config import SERVICES
from cch_devstack.provision import seed_all

pytestmark = pytest.mark.e2e


def test_every_service_seed_command_runs_twice_without_error(infra):
    # population 0: the county itself is exercised by stratification's own tests
    for _ in range(2):
        seed_all(list(SERVICES), population=0, env=infra.service_env)
