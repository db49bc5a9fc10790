"""Distances and the nearest ranking: pure functions."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ido.geo.distance import distance_km, in_netherlands, nearest

UTRECHT_NEUDE = (52.0927, 5.1192)
AMSTERDAM_DAM = (52.3731, 4.8926)


def test_a_known_distance():
    # Utrecht Neude to Amsterdam Dam: 31.2 km north and 15.4 km west, so about 34.8 km as the crow flies.
    assert distance_km(*UTRECHT_NEUDE, *AMSTERDAM_DAM) == pytest.approx(34.8, abs=0.1)


def test_the_same_point_is_zero_and_distance_is_symmetric():
    assert distance_km(*UTRECHT_NEUDE, *UTRECHT_NEUDE) == 0
    assert distance_km(*UTRECHT_NEUDE, *AMSTERDAM_DAM) == distance_km(*AMSTERDAM_DAM, *UTRECHT_NEUDE)


def test_nearest_first_with_a_limit():
    points = [
        ("far", 52.5, 5.0, "far"),
        ("near", 52.093, 5.12, "near"),
        ("middle", 52.2, 5.1, "middle"),
    ]
    ranked = nearest(*UTRECHT_NEUDE, points, limit=2)
    assert [r.item for r in ranked] == ["near", "middle"]
    assert ranked[0].distance_km < ranked[1].distance_km


def test_equal_distances_keep_the_order_of_their_names():
    # Two points mirrored around the spot's meridian are equally far.
    points = [("b", 52.10, 5.13, "Bibliotheek B"), ("a", 52.10, 5.1084, "Bibliotheek A")]
    ranked = nearest(52.10, 5.1192, points)
    assert ranked[0].distance_km == pytest.approx(ranked[1].distance_km, abs=0.001)
    assert [r.item for r in ranked] == ["a", "b"]
    assert [r.item for r in nearest(52.10, 5.1192, list(reversed(points)))] == ["a", "b"]


def test_within_a_radius():
    points = [("near", 52.093, 5.12, "n"), ("far", 52.5, 5.0, "f")]
    assert [r.item for r in nearest(*UTRECHT_NEUDE, points, within_km=5)] == ["near"]


def test_the_netherlands_box():
    assert in_netherlands(*UTRECHT_NEUDE)
    assert not in_netherlands(48.85, 2.35)  # Paris


coordinates = st.tuples(st.floats(50.7, 53.6), st.floats(3.3, 7.3))


@given(st.lists(coordinates, min_size=1, max_size=30), coordinates)
def test_the_ranking_is_sorted_and_complete(points, spot):
    ranked = nearest(*spot, [(i, lat, lon, str(i)) for i, (lat, lon) in enumerate(points)])
    distances = [r.distance_km for r in ranked]
    assert sorted(r.item for r in ranked) == list(range(len(points)))
    assert all(round(a, 3) <= round(b, 3) for a, b in itertools.pairwise(distances))
