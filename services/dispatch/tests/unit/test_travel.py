from datetime import timedelta

import numpy as np

from dispatch.domain.geography import GridPoint
from dispatch.domain.travel import CountyRoadTravel

SHREWSBURY = GridPoint(349_490, 313_121)
LUDLOW = GridPoint(352_058, 274_820)


def test_staying_put_costs_only_the_mobilisation_time():
    assert CountyRoadTravel().travel_time(SHREWSBURY, SHREWSBURY) == timedelta(minutes=10)


def test_shrewsbury_to_ludlow_takes_about_an_hour():
    minutes = CountyRoadTravel().travel_time(SHREWSBURY, LUDLOW).total_seconds() / 60
    assert 55 <= minutes <= 75  # ~52 km of road: the A49 is about 50-60 min in practice


def test_longer_trips_never_take_less_time():
    travel = CountyRoadTravel()
    km = np.linspace(0, 100, 401)
    minutes = travel.drive_minutes(km)
    assert np.all(np.diff(minutes) > 0)


def test_matrix_agrees_with_single_journeys():
    travel = CountyRoadTravel()
    matrix = travel.minutes_matrix(
        np.array([SHREWSBURY.easting, LUDLOW.easting]),
        np.array([SHREWSBURY.northing, LUDLOW.northing]),
        np.array([LUDLOW.easting]),
        np.array([LUDLOW.northing]),
    )
    assert matrix.shape == (2, 1)
    assert abs(matrix[0, 0] - travel.travel_time(SHREWSBURY, LUDLOW).total_seconds() / 60) < 1e-6
    assert matrix[1, 0] == 10.0
