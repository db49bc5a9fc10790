"""Distances on the earth and the nearest points to a spot: pure functions."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
# The Netherlands with a margin: a point outside this box is not a Dutch address.
NL_BOUNDS = (50.7, 53.6, 3.3, 7.3)  # south, north, west, east

T = TypeVar("T")


def in_netherlands(latitude: float, longitude: float) -> bool:
    south, north, west, east = NL_BOUNDS
    return south <= latitude <= north and west <= longitude <= east


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine) in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) in degrees of a box that holds every point within `km` of the centre. A little
    too large on purpose (the exact distance decides); valid away from the poles and the date line, as in the
    Netherlands."""
    margin = 1.01
    dlat = math.degrees(km * margin / EARTH_RADIUS_KM)
    dlon = math.degrees(km * margin / (EARTH_RADIUS_KM * max(math.cos(math.radians(latitude)), 0.01)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


@dataclass(frozen=True)
class Ranked(Generic[T]):
    item: T
    distance_km: float


def nearest(
    latitude: float,
    longitude: float,
    points: Iterable[tuple[T, float, float, str]],
    *,
    limit: int | None = None,
    within_km: float | None = None,
) -> list[Ranked[T]]:
    """The points (item, latitude, longitude, tie-breaker) nearest to a spot, nearest first.

    Points at the same distance (to the metre) keep a stable order by their tie-breaker (a name), so a list
    never reshuffles between two identical searches.
    """
    ranked = []
    for item, lat, lon, tie in points:
        distance = distance_km(latitude, longitude, lat, lon)
        if within_km is None or distance <= within_km:
            ranked.append((round(distance, 3), tie, distance, item))
    ranked.sort(key=lambda row: (row[0], row[1]))
    if limit is not None:
        ranked = ranked[:limit]
    return [Ranked(item, distance) for _rounded, _tie, distance, item in ranked]
