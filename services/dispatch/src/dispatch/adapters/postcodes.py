"""Postcode -> OSGB easting/northing, by the postcode district's approximate centroid.

A stand-in until a full ONS Postcode Directory lookup is wired in: every Shropshire and Telford &
Wrekin district resolves to its main settlement (to within a few km), anything else is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dispatch.domain.errors import DomainError
from dispatch.domain.vocabulary import Locality

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


class UnknownPostcode(DomainError):
    """A postcode that is malformed or not in the county cannot be driven to."""

    code = "unknown-postcode"


@dataclass(frozen=True, slots=True)
class ResolvedPostcode:
    """Where a postcode puts the patient."""

    postcode: str
    easting: float
    northing: float
    locality: Locality


_N, _C, _S = Locality.NORTH, Locality.CENTRAL, Locality.SOUTH
# district: (easting, northing, locality) - centroids of the district's main settlement.
DISTRICTS: dict[str, tuple[float, float, Locality]] = {
    "SY1": (349_800, 313_300, _C),  # Shrewsbury centre and north
    "SY2": (351_500, 312_300, _C),  # Shrewsbury east
    "SY3": (347_600, 311_600, _C),  # Shrewsbury west and south
    "SY4": (351_300, 328_900, _N),  # Wem, Baschurch
    "SY5": (342_200, 305_200, _C),  # Pontesbury, Minsterley
    "SY6": (345_400, 293_600, _S),  # Church Stretton
    "SY7": (343_200, 282_400, _S),  # Craven Arms, Clun
    "SY8": (351_200, 274_900, _S),  # Ludlow
    "SY9": (332_300, 288_800, _S),  # Bishop's Castle
    "SY10": (327_000, 326_500, _N),  # Oswestry rural
    "SY11": (329_000, 329_500, _N),  # Oswestry
    "SY12": (340_000, 334_800, _N),  # Ellesmere
    "SY13": (354_200, 341_500, _N),  # Whitchurch
    "TF1": (365_000, 311_500, _C),  # Wellington
    "TF2": (369_500, 312_000, _C),  # Oakengates
    "TF3": (369_800, 308_300, _C),  # Telford centre
    "TF4": (368_500, 305_500, _C),  # Dawley
    "TF5": (362_000, 314_000, _C),  # Admaston
    "TF6": (360_500, 316_500, _C),  # High Ercall
    "TF7": (371_500, 305_500, _C),  # Madeley
    "TF8": (367_000, 303_800, _C),  # Ironbridge
    "TF9": (367_400, 334_000, _N),  # Market Drayton
    "TF10": (374_500, 319_000, _N),  # Newport
    "TF11": (374_700, 307_500, _C),  # Shifnal
    "TF12": (367_500, 301_500, _S),  # Broseley
    "TF13": (362_300, 299_800, _S),  # Much Wenlock
    "WV15": (374_200, 292_400, _S),  # Bridgnorth east
    "WV16": (371_700, 293_000, _S),  # Bridgnorth
    "DY14": (367_400, 275_900, _S),  # Cleobury Mortimer
}


def normalise(postcode: str) -> str:
    """Upper case, single space before the inward code; malformed -> UnknownPostcode."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    match = _POSTCODE.match(compact)
    if match is None:
        raise UnknownPostcode(f"'{postcode}' is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def resolve(postcode: str) -> ResolvedPostcode:
    """The district centroid of a county postcode."""
    normal = normalise(postcode)
    district = normal.split(" ")[0]
    found = DISTRICTS.get(district)
    if found is None:
        raise UnknownPostcode(f"postcode {normal} is not in Shropshire or Telford & Wrekin")
    easting, northing, locality = found
    return ResolvedPostcode(normal, easting, northing, locality)


def locality_at(northing: float) -> Locality:
    """Rough locality from a grid point when no postcode district is known."""
    if northing >= 320_000:
        return Locality.NORTH
    if northing >= 300_000:
        return Locality.CENTRAL
    return Locality.SOUTH
