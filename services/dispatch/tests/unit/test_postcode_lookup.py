"""Full postcodes resolve to their own ONS grid reference; outside the county is refused."""

import pytest

from dispatch.adapters.postcodes import UnknownPostcode, locality_at, resolve
from dispatch.domain.geography import SHROPSHIRE_BOUNDS, GridPoint
from dispatch.domain.vocabulary import Locality


def test_county_postcode_resolves_to_its_own_grid_reference_and_locality():
    found = resolve("sy81aa")
    assert found.postcode == "SY8 1AA"
    assert (found.easting, found.northing) == (351_257, 274_758)
    assert found.locality is Locality.SOUTH
    assert SHROPSHIRE_BOUNDS.contains(GridPoint(found.easting, found.northing))


def test_postcodes_in_the_same_district_resolve_to_different_places():
    a, b = resolve("SY3 8XL"), resolve("SY3 8XQ")
    assert (a.easting, a.northing) != (b.easting, b.northing)


def test_telford_and_wrekin_postcodes_resolve_too():
    found = resolve("TF3 4NB")
    assert found.locality is Locality.CENTRAL
    assert SHROPSHIRE_BOUNDS.contains(GridPoint(found.easting, found.northing))


@pytest.mark.parametrize("postcode", ["ZZ9 9ZZ", "B1 1AA", "SY99 9ZZ", "not a postcode", ""])
def test_postcode_outside_the_county_or_malformed_is_unknown(postcode):
    with pytest.raises(UnknownPostcode):
        resolve(postcode)


def test_grid_point_without_postcode_gets_a_locality_by_northing():
    assert locality_at(335_000) is Locality.NORTH
    assert locality_at(310_000) is Locality.CENTRAL
    assert locality_at(280_000) is Locality.SOUTH
