"""Postcodes resolve to their district centroid; anything outside the county is refused."""

import pytest

from dispatch.adapters.postcodes import UnknownPostcode, locality_at, resolve
from dispatch.domain.geography import SHROPSHIRE_BOUNDS, GridPoint
from dispatch.domain.vocabulary import Locality


def test_county_postcode_resolves_to_its_district_and_locality():
    found = resolve("sy81aa")
    assert found.postcode == "SY8 1AA"
    assert found.locality is Locality.SOUTH
    assert SHROPSHIRE_BOUNDS.contains(GridPoint(found.easting, found.northing))


@pytest.mark.parametrize("postcode", ["ZZ9 9ZZ", "B1 1AA", "not a postcode", ""])
def test_postcode_outside_the_county_or_malformed_is_unknown(postcode):
    with pytest.raises(UnknownPostcode):
        resolve(postcode)


def test_grid_point_without_postcode_gets_a_locality_by_northing():
    assert locality_at(335_000) is Locality.NORTH
    assert locality_at(310_000) is Locality.CENTRAL
    assert locality_at(280_000) is Locality.SOUTH
