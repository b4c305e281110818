"""NHS numbers are checked with Modulus 11 so a typo never names another patient."""

from __future__ import annotations

import pytest

from careplans.domain.errors import InvalidNhsNumber
from careplans.domain.nhs_number import is_valid_nhs_number, normalise_nhs_number


@pytest.mark.parametrize("value", ["9434765919", "9434765870", "4010232137"])
def test_valid_numbers_pass(value: str) -> None:
    assert is_valid_nhs_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "9434765918",
        "943476591",
        "94347659190",
        "943476591a",
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",
    ],
)
def test_wrong_check_digit_or_shape_fails(value: str) -> None:
    assert not is_valid_nhs_number(value)


def test_check_digit_of_ten_is_never_valid() -> None:
    # 000000006?: weighted sum 12, 11 - 12 % 11 = 10, so no last digit can match
    assert not any(is_valid_nhs_number(f"000000006{d}") for d in "0123456789")


def test_printed_number_with_spaces_is_normalised() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"


def test_invalid_number_is_a_domain_error() -> None:
    with pytest.raises(InvalidNhsNumber) as caught:
        normalise_nhs_number("943 476 5918")
    assert caught.value.code == "invalid-nhs-number"
