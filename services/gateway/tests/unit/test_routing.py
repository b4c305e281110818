"""Which calls the gateway lets through without a token, and who owns which FHIR type."""

import pytest

from gateway.domain.routing import is_public, owner_of


@pytest.mark.parametrize(
    ("method", "service", "path"),
    [
        ("GET", "dispatch", "board/live"),
        ("GET", "dispatch", "board/assets/board.js"),
        ("GET", "dispatch", "board/stream"),
    ],
)
def test_the_board_page_its_files_and_its_ticketed_stream_open_without_a_token(
    method, service, path
):
    assert is_public(method, service, path)


@pytest.mark.parametrize(
    ("method", "service", "path"),
    [
        ("POST", "dispatch", "board/stream-ticket"),
        ("GET", "dispatch", "board"),
        ("GET", "dispatch", "board/live/../../requests"),
        ("GET", "dispatch", "board/assets/../../requests"),
        ("GET", "dispatch", "board/streams"),
        ("GET", "dispatch", "requests/r1"),
        ("POST", "dispatch", "board/live"),
        ("GET", "ops", "board/live"),
        ("GET", "careplans", "board/assets/x"),
    ],
)
def test_everything_else_needs_a_token(method, service, path):
    assert not is_public(method, service, path)


def test_fhir_types_go_to_their_owner():
    assert owner_of("ServiceRequest") == "referrals"
    assert owner_of("CarePlan") == "careplans"
    assert owner_of("RiskAssessment") == "stratification"
    assert owner_of("Observation") is None
