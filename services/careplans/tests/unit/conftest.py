"""Shared helpers for the careplans unit tests: fixture resources and a fake clock."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cch_contracts.clock import FakeClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def fixture() -> Callable[[str], dict[str, Any]]:
    return lambda name: copy.deepcopy(load_fixture(name))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 3, 9, 30, tzinfo=UTC))
