"""Coverage of a municipality by IDO locations (pure functions): a synthetic grid with totals worked out by hand,
no sites, areas without a point or without inhabitant figures, the edge of the distance, and the suggestion for
one extra location."""

import math

import pytest

from ido.geo.coverage import KM_PER_DEGREE, Site, coverage, coverage_map, suggest_extra_site
from ido.geo.distance import distance_km
from ido.geo.reference import PostcodeArea

SOUTH, WEST = 52.0, 5.0
KM_NORTH = 1 / KM_PER_DEGREE  # degrees of latitude in one kilometre
KM_EAST = 1 / (KM_PER_DEGREE * math.cos(math.radians(SOUTH)))  # degrees of longitude in one kilometre


def spot(north_km: float, east_km: float) -> tuple[float, float]:
    return SOUTH + north_km * KM_NORTH, WEST + east_km * KM_EAST


def area(pc4: str, north_km: float, east_km: float, inhabitants: int | None = 100) -> PostcodeArea:
    latitude, longitude = spot(north_km, east_km)
    return PostcodeArea(pc4, "Rasterdorp", "Rastergemeente", "GM9999", latitude, longitude, inhabitants)


def grid() -> list[PostcodeArea]:
    """5 x 5 areas 1 km apart; area (i, j) lies i km north and j km east of the south-west corner and has
    100 x (i + 1) inhabitants: 500 + 1000 + 1500 + 2000 + 2500 = 7,500 in all."""
    return [area(f"{1000 + 10 * i + j}", i, j, 100 * (i + 1)) for i in range(5) for j in range(5)]


CORNER = Site(key=1, name="IDO Hoek", latitude=SOUTH, longitude=WEST)


def test_grid_with_one_site_in_a_corner():
    report = coverage(grid(), [CORNER], threshold_km=2.5)

    # Within 2.5 km of the corner: i² + j² <= 6.25, so (0,0) (0,1) (0,2) (1,0) (1,1) (1,2) (2,0) (2,1);
    # (2,2) lies 2.83 km away.
    covered = {row.pc4 for row in report.rows if row.covered}
    assert covered == {"1000", "1001", "1002", "1010", "1011", "1012", "1020", "1021"}
    assert report.areas_total == 25
    assert report.areas_beyond == 17
    # Within: 3 x 100 + 3 x 200 + 2 x 300 = 1,500 inhabitants; beyond: 7,500 - 1,500.
    assert report.inhabitants_total == 7500
    assert report.inhabitants_beyond == 6000
    assert report.share_beyond == pytest.approx(0.8)
    assert report.percent_beyond == pytest.approx(80.0)
    assert report.unplaced == ()
    assert report.areas_without_figure == 0
    assert all(row.nearest == CORNER for row in report.rows)


def test_rows_come_farthest_first_with_their_distance():
    report = coverage(grid(), [CORNER], threshold_km=2.5)

    assert report.rows[0].pc4 == "1044"  # the opposite corner
    assert report.rows[0].distance_km == pytest.approx(math.sqrt(32), abs=0.01)
    assert report.rows[-1].pc4 == "1000"
    assert report.rows[-1].distance_km == pytest.approx(0.0)
    distances = [row.distance_km for row in report.rows]
    assert distances == sorted(distances, reverse=True)
    one_east = next(row for row in report.rows if row.pc4 == "1001")
    assert one_east.distance_km == pytest.approx(1.0, abs=0.001)


def test_each_area_counts_its_nearest_site():
    far_corner = Site(key=2, name="IDO Overkant", latitude=spot(4, 4)[0], longitude=spot(4, 4)[1])
    report = coverage(grid(), [CORNER, far_corner], threshold_km=2.5)

    by_pc4 = {row.pc4: row for row in report.rows}
    assert by_pc4["1043"].nearest == far_corner
    assert by_pc4["1043"].covered
    assert by_pc4["1010"].nearest == CORNER
    # Covered from both corners now: 8 areas around each; (2,2) lies 2.83 km from both and stays beyond.
    assert report.areas_beyond == 25 - 16
    assert not by_pc4["1022"].covered


def test_a_tie_between_two_sites_goes_to_the_name_whatever_the_order():
    east, west = spot(0, 1), spot(0, -1)
    zuid = Site(key=1, name="Zuid", latitude=east[0], longitude=east[1])
    alfa = Site(key=2, name="Alfa", latitude=west[0], longitude=west[1])
    middle = [area("1000", 0, 0)]

    assert coverage(middle, [zuid, alfa]).rows[0].nearest == alfa
    assert coverage(middle, [alfa, zuid]).rows[0].nearest == alfa


def test_exactly_at_the_distance_counts_as_within():
    areas = [area("1004", 0, 4)]
    exact = distance_km(CORNER.latitude, CORNER.longitude, areas[0].latitude, areas[0].longitude)

    assert coverage(areas, [CORNER], threshold_km=exact).rows[0].covered
    assert not coverage(areas, [CORNER], threshold_km=exact - 1e-6).rows[0].covered


def test_without_any_site_every_area_is_beyond_without_a_distance():
    report = coverage(grid(), [], threshold_km=5)

    assert report.areas_beyond == 25
    assert all(row.distance_km is None and row.nearest is None and not row.covered for row in report.rows)
    assert [row.pc4 for row in report.rows] == sorted(row.pc4 for row in report.rows)
    assert report.inhabitants_beyond == 7500
    assert report.share_beyond == pytest.approx(1.0)


def test_an_area_without_a_point_is_listed_apart_not_dropped():
    lost = PostcodeArea("1099", "Nergensdorp", "Rastergemeente", "GM9999", None, None, 400)
    report = coverage([*grid(), lost], [CORNER], threshold_km=2.5)

    assert [item.pc4 for item in report.unplaced] == ["1099"]
    assert report.unplaced[0].inhabitants == 400
    assert "1099" not in {row.pc4 for row in report.rows}
    assert report.areas_total == 26
    assert report.areas_placed == 25
    assert report.areas_beyond == 17
    # Its people cannot be judged: they are not in the share, and are counted apart.
    assert report.inhabitants_total == 7500
    assert report.inhabitants_unplaced == 400


def test_an_area_without_a_figure_counts_as_area_but_not_in_inhabitants():
    areas = [area("1000", 0, 0, 300), area("1009", 0, 9, None), area("1008", 0, 8, 100)]
    report = coverage(areas, [CORNER], threshold_km=2.5)

    assert report.areas_beyond == 2
    assert report.areas_without_figure == 1
    no_figure = next(row for row in report.rows if row.pc4 == "1009")
    assert not no_figure.has_figure
    assert no_figure.inhabitants is None
    assert report.inhabitants_total == 400
    assert report.inhabitants_beyond == 100
    assert report.share_beyond == pytest.approx(0.25)


def test_without_any_inhabitant_figure_there_is_no_share():
    areas = [area(f"100{j}", 0, j, None) for j in range(5)]
    report = coverage(areas, [CORNER], threshold_km=2.5)

    assert not report.has_inhabitant_figures
    assert report.share_beyond is None
    assert report.percent_beyond is None
    assert report.areas_beyond == 2
    assert report.areas_without_figure == 5


# The suggestion: areas on a line eastwards from the site, threshold 1.5 km.
#   km 0: 100 (covered)   km 1: 1000 (covered)   km 2: 10   km 3: 50   km 4: 50   km 5: 50   km 10: 120
# From km 2: 10 + 50 = 60 (the 1000 at km 1 are covered already and must not count);
# from km 3: 10 + 50 + 50 = 110; from km 4: 50 + 50 + 50 = 150; from km 5: 100; from km 10: 120.
LINE = [
    area("2000", 0, 0, 100),
    area("2001", 0, 1, 1000),
    area("2002", 0, 2, 10),
    area("2003", 0, 3, 50),
    area("2004", 0, 4, 50),
    area("2005", 0, 5, 50),
    area("2010", 0, 10, 120),
]


def test_the_suggestion_reaches_the_most_uncovered_inhabitants():
    report = coverage(LINE, [CORNER], threshold_km=1.5)
    suggestion = suggest_extra_site(report)

    assert suggestion is not None
    assert suggestion.area.pc4 == "2004"
    assert suggestion.inhabitants_reached == 150
    assert suggestion.areas_reached == ("2003", "2004", "2005")


def test_without_figures_the_suggestion_reaches_the_most_areas():
    areas = [area(item.pc4, 0, (item.longitude - WEST) / KM_EAST, None) for item in LINE]
    suggestion = suggest_extra_site(coverage(areas, [CORNER], threshold_km=1.5))

    # 2003 and 2004 both reach three areas (2002-2004, 2003-2005): the lower postcode wins the tie.
    assert suggestion is not None
    assert suggestion.area.pc4 == "2003"
    assert suggestion.inhabitants_reached == 0
    assert suggestion.areas_reached == ("2002", "2003", "2004")


def test_no_suggestion_when_every_area_is_covered():
    report = coverage(LINE[:2], [CORNER], threshold_km=1.5)

    assert report.areas_beyond == 0
    assert suggest_extra_site(report) is None


def test_the_map_keeps_kilometres_square_and_north_up():
    far_away = Site(key=9, name="IDO Groningen", latitude=53.2194, longitude=6.5665)
    report = coverage(grid(), [CORNER, far_away], threshold_km=2.5)
    plot = coverage_map(report, [CORNER, far_away], width=440, padding=20)

    assert plot is not None
    marks = {mark.row.pc4: mark for mark in plot.areas}
    # 4 km across fills the 400 units inside the padding: 100 units a kilometre, both ways.
    assert plot.px_per_km == pytest.approx(100, rel=0.001)
    assert marks["1004"].x - marks["1000"].x == pytest.approx(400, abs=0.5)
    assert marks["1000"].y - marks["1040"].y == pytest.approx(400, abs=0.5)  # north is up
    assert marks["1000"].x == pytest.approx(20, abs=0.5)
    assert plot.threshold_px == pytest.approx(250, abs=0.5)
    # More inhabitants, bigger circle; the far site is left off the map.
    assert marks["1040"].r > marks["1000"].r
    assert [mark.site for mark in plot.sites] == [CORNER]
    assert (plot.sites[0].x, plot.sites[0].y) == (marks["1000"].x, marks["1000"].y)


def test_no_map_without_a_placed_area():
    lost = PostcodeArea("1099", "Nergensdorp", "Rastergemeente", "GM9999", None, None, 400)
    assert coverage_map(coverage([lost], [CORNER]), [CORNER]) is None
