"""Coverage of a municipality by IDO locations: which postcode areas lie farther than a chosen distance from the
nearest open IDO, weighted by inhabitants where the data has them. Pure functions over plain values.

A postcode area counts by its centre (the CBS point of its 4-digit postcode). An area exactly at the distance
counts as within it. An area without a point cannot be judged: it is listed apart, never silently dropped. An
area without an inhabitant figure counts as an area, and is flagged "no figure" (it adds nothing to the
inhabitant totals).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ido.geo.distance import EARTH_RADIUS_KM, distance_km

DEFAULT_THRESHOLD_KM = 5.0
KM_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_KM / 360


class AreaLike(Protocol):
    """What coverage needs of a postcode area (`ido.geo.reference.PostcodeArea` fits)."""

    @property
    def pc4(self) -> str: ...

    @property
    def place(self) -> str: ...

    @property
    def latitude(self) -> float | None: ...

    @property
    def longitude(self) -> float | None: ...

    @property
    def inhabitants(self) -> int | None: ...


@dataclass(frozen=True)
class Site:
    """An open IDO location (or any place where help is given), as a point."""

    key: int | str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class CoverageRow:
    """One postcode area with a point: its nearest site and whether that lies within the distance."""

    pc4: str
    place: str
    latitude: float
    longitude: float
    inhabitants: int | None
    nearest: Site | None
    distance_km: float | None
    covered: bool

    @property
    def has_figure(self) -> bool:
        return self.inhabitants is not None


@dataclass(frozen=True)
class UnplacedArea:
    """A postcode area without a point: we cannot tell how far its people live from an IDO."""

    pc4: str
    place: str
    inhabitants: int | None


@dataclass(frozen=True)
class CoverageReport:
    threshold_km: float
    rows: tuple[CoverageRow, ...]  # farthest first; without any site, by postcode
    unplaced: tuple[UnplacedArea, ...]  # by postcode

    @property
    def areas_total(self) -> int:
        """Every area asked about, with a point or not."""
        return len(self.rows) + len(self.unplaced)

    @property
    def areas_placed(self) -> int:
        return len(self.rows)

    @property
    def beyond(self) -> tuple[CoverageRow, ...]:
        return tuple(row for row in self.rows if not row.covered)

    @property
    def areas_beyond(self) -> int:
        return len(self.beyond)

    @property
    def areas_without_figure(self) -> int:
        """Areas with a point but no inhabitant figure: counted as areas, not in the inhabitant totals."""
        return sum(1 for row in self.rows if not row.has_figure)

    @property
    def has_inhabitant_figures(self) -> bool:
        return any(row.has_figure for row in self.rows)

    @property
    def inhabitants_total(self) -> int:
        """Inhabitants of the areas with a point (the ones we can judge)."""
        return sum(row.inhabitants or 0 for row in self.rows)

    @property
    def inhabitants_beyond(self) -> int:
        return sum(row.inhabitants or 0 for row in self.beyond)

    @property
    def inhabitants_unplaced(self) -> int:
        return sum(area.inhabitants or 0 for area in self.unplaced)

    @property
    def share_beyond(self) -> float | None:
        """The share (0..1) of inhabitants living beyond the distance; None without inhabitant figures."""
        if not self.has_inhabitant_figures or self.inhabitants_total == 0:
            return None
        return self.inhabitants_beyond / self.inhabitants_total

    @property
    def percent_beyond(self) -> float | None:
        share = self.share_beyond
        return None if share is None else share * 100


def _nearest(latitude: float, longitude: float, sites: Sequence[Site]) -> tuple[Site | None, float | None]:
    best: tuple[tuple[float, str, str], Site, float] | None = None
    for site in sites:
        distance = distance_km(latitude, longitude, site.latitude, site.longitude)
        # Ties (to the metre) go to the name, then the key, so the answer never depends on the order given.
        key = (round(distance, 3), site.name, str(site.key))
        if best is None or key < best[0]:
            best = (key, site, distance)
    return (None, None) if best is None else (best[1], best[2])


def coverage(
    areas: Iterable[AreaLike], sites: Iterable[Site], threshold_km: float = DEFAULT_THRESHOLD_KM
) -> CoverageReport:
    """For each area: the nearest site and whether it lies within `threshold_km` (inclusive). Without any site,
    every area is beyond and has no distance."""
    site_list = list(sites)
    rows: list[CoverageRow] = []
    unplaced: list[UnplacedArea] = []
    for area in areas:
        if area.latitude is None or area.longitude is None:
            unplaced.append(UnplacedArea(area.pc4, area.place, area.inhabitants))
            continue
        site, distance = _nearest(area.latitude, area.longitude, site_list)
        rows.append(
            CoverageRow(
                pc4=area.pc4,
                place=area.place,
                latitude=area.latitude,
                longitude=area.longitude,
                inhabitants=area.inhabitants,
                nearest=site,
                distance_km=distance,
                covered=distance is not None and distance <= threshold_km,
            )
        )
    rows.sort(key=lambda row: (-(row.distance_km or 0.0), row.pc4))
    unplaced.sort(key=lambda area: area.pc4)
    return CoverageReport(threshold_km=threshold_km, rows=tuple(rows), unplaced=tuple(unplaced))


@dataclass(frozen=True)
class Suggestion:
    """Where one extra location (or outreach hour) would help most: the centre of `area`."""

    area: CoverageRow
    inhabitants_reached: int  # now beyond the distance, within it from the new place
    areas_reached: tuple[str, ...]  # the postcodes of those areas, the chosen one included


def suggest_extra_site(report: CoverageReport) -> Suggestion | None:
    """The uncovered area whose centre would bring the most uncovered inhabitants within the distance (one greedy
    pick). Ties go to the most areas reached, then the lowest postcode; without figures, areas decide. None when
    every area is covered."""
    beyond = report.beyond
    best: Suggestion | None = None
    best_key: tuple[int, int] = (-1, -1)
    for candidate in beyond:
        reached = [
            row
            for row in beyond
            if distance_km(candidate.latitude, candidate.longitude, row.latitude, row.longitude) <= report.threshold_km
        ]
        key = (sum(row.inhabitants or 0 for row in reached), len(reached))
        if best is None or key > best_key or (key == best_key and candidate.pc4 < best.area.pc4):
            best_key = key
            best = Suggestion(candidate, key[0], tuple(sorted(row.pc4 for row in reached)))
    return best


# The map: an equirectangular projection, east-west scaled by the cosine of the middle latitude, so a kilometre
# is as long across as it is up and down (good enough for one municipality).


@dataclass(frozen=True)
class AreaMark:
    row: CoverageRow
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class SiteMark:
    site: Site
    x: float
    y: float


@dataclass(frozen=True)
class CoverageMap:
    width: float
    height: float
    px_per_km: float
    threshold_px: float
    areas: tuple[AreaMark, ...]  # biggest first, so small circles are drawn on top
    sites: tuple[SiteMark, ...]


def coverage_map(
    report: CoverageReport,
    sites: Iterable[Site],
    *,
    width: float = 640.0,
    padding: float = 24.0,
    min_radius: float = 3.0,
    max_radius: float = 12.0,
) -> CoverageMap | None:
    """Screen positions (SVG user units, y down) for the areas and the sites near them. Sites farther than the
    distance from the box around the areas are left out: they are nobody's nearest within reach. Circles grow
    with the square root of the inhabitants, so their surface follows the number of people. None when no area
    has a point."""
    if not report.rows:
        return None
    south = min(row.latitude for row in report.rows)
    north = max(row.latitude for row in report.rows)
    west = min(row.longitude for row in report.rows)
    east = max(row.longitude for row in report.rows)
    cos_middle = math.cos(math.radians((south + north) / 2))

    def km(latitude: float, longitude: float) -> tuple[float, float]:
        return (longitude - west) * cos_middle * KM_PER_DEGREE, (north - latitude) * KM_PER_DEGREE

    span_x, span_y = km(south, east)
    inner_width = width - 2 * padding
    # One area alone (or a line of areas) still gets a sensible scale: at least 2 km across the picture.
    px_per_km = inner_width / max(span_x, span_y, 2.0)
    inner_height = max(span_y, 2.0) * px_per_km
    # Centre a tall (or flat) municipality in the other direction.
    offset_x = padding + (inner_width - span_x * px_per_km) / 2
    offset_y = padding + (inner_height - span_y * px_per_km) / 2

    def place(latitude: float, longitude: float) -> tuple[float, float]:
        x_km, y_km = km(latitude, longitude)
        return round(offset_x + x_km * px_per_km, 1), round(offset_y + y_km * px_per_km, 1)

    most = max((row.inhabitants or 0 for row in report.rows), default=0)

    def radius(inhabitants: int | None) -> float:
        if not inhabitants or most <= 0:
            return min_radius
        return round(min_radius + (max_radius - min_radius) * math.sqrt(inhabitants / most), 1)

    area_marks = [AreaMark(row, *place(row.latitude, row.longitude), radius(row.inhabitants)) for row in report.rows]
    area_marks.sort(key=lambda mark: (-mark.r, mark.row.pc4))
    margin_lat = report.threshold_km / KM_PER_DEGREE
    margin_lon = margin_lat / max(cos_middle, 0.01)
    site_marks = [
        SiteMark(site, *place(site.latitude, site.longitude))
        for site in sites
        if south - margin_lat <= site.latitude <= north + margin_lat
        and west - margin_lon <= site.longitude <= east + margin_lon
    ]
    site_marks.sort(key=lambda mark: (mark.site.name, str(mark.site.key)))
    return CoverageMap(
        width=round(width, 1),
        height=round(inner_height + 2 * padding, 1),
        px_per_km=px_per_km,
        threshold_px=round(report.threshold_km * px_per_km, 1),
        areas=tuple(area_marks),
        sites=tuple(site_marks),
    )
