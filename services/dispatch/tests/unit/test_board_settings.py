"""The live board's knobs come from the service settings (env DISPATCH_BOARD_...)."""

import pytest
from pydantic import ValidationError

from dispatch.api.board_feed import BoardSettings
from dispatch.config import Settings


def test_board_defaults_are_the_settings_defaults():
    knobs = BoardSettings.of(Settings())
    assert knobs == BoardSettings(
        poll_seconds=1.0, heartbeat_seconds=15.0, ticket_seconds=60.0, max_streams=200
    )


def test_board_knobs_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DISPATCH_BOARD_POLL_SECONDS", "0.5")
    monkeypatch.setenv("DISPATCH_BOARD_HEARTBEAT_SECONDS", "5")
    monkeypatch.setenv("DISPATCH_BOARD_TICKET_SECONDS", "30")
    monkeypatch.setenv("DISPATCH_BOARD_MAX_STREAMS", "12")
    assert BoardSettings.of(Settings()) == BoardSettings(0.5, 5.0, 30.0, 12)


def test_a_board_knob_that_makes_no_sense_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("DISPATCH_BOARD_MAX_STREAMS", "0")
    with pytest.raises(ValidationError, match="board_max_streams"):
        Settings()
