"""The domain's Modulus 11 check agrees with the `nhs-number` package (PyPI, NHS Digital's rules).

The package also refuses numbers in the Scottish CHI range whose first six digits are not a
DDMMYY date; the domain checks the check digit only, so that range is compared separately.
"""

import random

import nhs_number
from nhs_number import REGION_SCOTLAND

from referrals.domain.nhs_number import is_valid_nhs_number


def test_modulus_11_agrees_with_the_nhs_number_package() -> None:
    rng = random.Random(20261123)
    samples = ["".join(rng.choice("0123456789") for _ in range(10)) for _ in range(20000)]
    samples += [nhs_number.generate(for_region=None)[0] for _ in range(200)]
    for number in samples:
        if REGION_SCOTLAND.contains_number(number):
            continue
        assert is_valid_nhs_number(number) == nhs_number.is_valid(number), number


def test_known_numbers() -> None:
    assert is_valid_nhs_number("9434765919") and nhs_number.is_valid("9434765919")
    assert not is_valid_nhs_number("9434765918") and not nhs_number.is_valid("9434765918")
