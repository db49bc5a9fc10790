"""The public finder: from a postcode or place to the nearest IDO locations, open now or when next, and the
location's own page. Real database, real reference data, the clock fixed with time_machine."""

import gzip
import re
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse

from ido.locations.models import LocationStatus, OpeningException, OpeningHours
from ido.public import finder
from tests.appointments.test_booking import make_hour
from tests.courses.conftest import make_course, make_session
from tests.factories import LibraryFactory, LocationFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Tuesday.
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=AMSTERDAM)


@pytest.fixture
def utrecht():
    municipality = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    library = LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[municipality])

    def place(name, lat, lon, postcode="3512 AE", **fields):
        location = LocationFactory(
            library=library,
            municipality=municipality,
            name=name,
            postcode=postcode,
            latitude=Decimal(lat) if lat else None,
            longitude=Decimal(lon) if lon else None,
            **fields,
        )
        OpeningHours.objects.create(location=location, weekday=1, opens=time(10), closes=time(12, 30))
        return location

    return {
        "neude": place("IDO Neude", "52.092700", "5.119200", phone="030 123 45 67"),
        "overvecht": place("IDO Overvecht", "52.113800", "5.111300", postcode="3562 JW"),
        "amersfoort": place("IDO Amersfoort", "52.156000", "5.387000", postcode="3811 WK"),
        "planned": place("IDO Gepland", "52.091000", "5.118000", status=LocationStatus.PLANNED),
        # No coordinates: ranked at the centre of its postcode area (3581, Utrecht-Oost).
        "oost": place("IDO Oost", None, None, postcode="3581 AB"),
    }


@pytest.fixture(autouse=True)
def _english(client):
    """The texts below are the English ones; the Dutch page is checked in the browser journey."""
    client.cookies["ido_language"] = "en"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def names(response):
    return [row.location.name for row in response.context["rows"]]


def test_a_postcode_lists_the_nearest_open_locations_first(client, utrecht):
    response = client.get(reverse("public:index"), {"q": "3512 AE"})
    assert response.status_code == 200
    assert names(response) == ["IDO Neude", "IDO Oost", "IDO Overvecht", "IDO Amersfoort"]
    html = response.content.decode()
    assert "IDO Gepland" not in html  # planned: not public
    distances = [row.distance_km for row in response.context["rows"]]
    assert distances == sorted(distances)
    assert distances[-1] == pytest.approx(18.9, abs=0.5)
    assert "Open now until 12:30" in html  # Tuesday 11:00
    assert 'href="tel:0301234567"' in html
    assert "https://www.openstreetmap.org/directions?to=52.09270%2C5.11920" in html


def test_a_place_name_and_a_municipality_find_the_locations_too(client, utrecht):
    assert names(client.get("/", {"q": "utrecht"}))[0] == "IDO Neude"
    assert names(client.get("/", {"q": "Amersfoort"}))[0] == "IDO Amersfoort"


def test_a_precise_position_is_rounded_to_about_100_metres(utrecht):
    spot = finder.position_spot("52.114049", "5.111049")
    assert (spot.latitude, spot.longitude) == (52.114, 5.111)


def test_near_me_uses_the_position_and_keeps_nothing(client, utrecht):
    response = client.get("/", {"lat": "52.1140", "lon": "5.1110"})
    assert names(response)[0] == "IDO Overvecht"
    assert "Help points near you" in response.content.decode()
    assert not response.cookies  # no cookie, no session: nothing kept


def test_a_position_outside_the_netherlands_gets_a_plain_message(client, utrecht):
    response = client.get("/", {"lat": "48.85", "lon": "2.35"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "outside the Netherlands" in response.content.decode()
    assert client.get("/", {"lat": "abc", "lon": "<x>"}).status_code == 200


def test_an_unknown_postcode_suggests_postcodes_close_by(client, utrecht):
    response = client.get("/", {"q": "1099 ZZ"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "We do not know postcode 1099 ZZ" in html
    assert 'href="/?q=1098"' in html
    assert response.context["rows"] == []


def test_a_misspelt_place_gets_did_you_mean(client, utrecht):
    html = client.get("/", {"q": "Utrect"}).content.decode()
    assert "We cannot find “Utrect”." in html
    assert "Did you mean:" in html
    assert 'href="/?q=Utrecht"' in html


def test_nonsense_and_empty_input_never_break_the_page(client, utrecht):
    for query in ["", "   ", "'; drop table", "<script>alert(1)</script>", "0000", "x" * 500]:
        response = client.get("/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>alert(1)" not in response.content.decode()


def test_the_same_name_in_two_municipalities_offers_the_other(client, utrecht):
    html = client.get("/", {"q": "Hengelo"}).content.decode()
    assert "Did you mean another place with this name?" in html
    assert "Hengelo (Gld), Bronckhorst" in html


def test_a_far_away_search_says_so_and_suggests_asking_locally(client, utrecht):
    html = client.get("/", {"q": "9999"}).content.decode()  # Stitswerd, Groningen: about 170 km
    assert "The nearest help point is" in html


def test_without_a_search_a_small_site_lists_every_location(client, utrecht):
    response = client.get("/")
    assert sorted(names(response)) == ["IDO Amersfoort", "IDO Neude", "IDO Oost", "IDO Overvecht"]
    assert not response.cookies


def test_coming_consultation_hours_and_the_booking_link(client, utrecht):
    hour = make_hour(utrecht["neude"], public_booking=True)
    walk_in = make_hour(
        utrecht["neude"],
        provider=LibraryFactory(name="Juridisch Loket"),
        title="Inloop Juridisch Loket",
        booking_mode="walk_in",
        weekdays="3",
    )
    html = client.get("/", {"q": "3512"}).content.decode()
    assert reverse("booking:book", kwargs={"pk": hour.pk}) in html
    assert "Inloop Juridisch Loket" in html
    assert "walk in, no appointment needed" in html
    assert reverse("booking:book", kwargs={"pk": walk_in.pk}) not in html


@override_settings(IDO_SEARCH_RATE_LIMIT=3)
def test_searching_is_rate_limited_per_visitor(client, utrecht):
    for _ in range(3):
        assert client.get("/", {"q": "3512"}).status_code == 200
    blocked = client.get("/", {"q": "3512"})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "60"
    assert "Wait a minute and try again" in blocked.content.decode()
    # Another visitor is not affected, nor is the page without a search.
    assert client.get("/", {"q": "3512"}, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get("/").status_code == 200


def test_a_consultation_hour_that_is_over_today_is_not_soon(client, utrecht):
    hour = make_hour(utrecht["neude"], public_booking=True)  # Tuesdays 13:00–16:00
    during = status_at(client, datetime(2026, 12, 1, 15, 59, tzinfo=AMSTERDAM), utrecht["neude"])
    assert [item.day for item in during.next_hour_dates] == [date(2026, 12, 1)]
    after = status_at(client, datetime(2026, 12, 1, 16, 0, tzinfo=AMSTERDAM), utrecht["neude"])
    assert [item.day for item in after.next_hour_dates] == [date(2026, 12, 8)]
    assert after.hours[0].hour == hour


@override_settings(IDO_SEARCH_RATE_LIMIT=3)
def test_changing_the_ipv6_address_within_ones_own_network_does_not_escape_the_limit(client, utrecht):
    for host in range(1, 4):
        assert client.get("/", {"q": "3512"}, REMOTE_ADDR=f"2001:db8:1:2::{host}").status_code == 200
    assert client.get("/", {"q": "3512"}, REMOTE_ADDR="2001:db8:1:2:abcd::99").status_code == 429
    assert client.get("/", {"q": "3512"}, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200  # another network


# Open now at the edges. The location opens on Tuesdays 10:00–12:30 (and for the DST cases on Sundays).


def status_at(client, moment, location):
    with time_machine.travel(moment, tick=False):
        response = client.get(reverse("public:location", kwargs={"pk": location.pk}))
    return response.context["row"]


def test_the_closing_minute_is_closed(client, utrecht):
    neude = utrecht["neude"]
    before = status_at(client, datetime(2026, 12, 1, 12, 29, 59, tzinfo=AMSTERDAM), neude)
    assert before.open_until is not None
    at_close = status_at(client, datetime(2026, 12, 1, 12, 30, tzinfo=AMSTERDAM), neude)
    assert at_close.open_until is None
    assert at_close.next_opening.start == datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM)
    at_open = status_at(client, datetime(2026, 12, 8, 10, 0, tzinfo=AMSTERDAM), neude)
    assert at_open.open_until is not None


def test_a_public_holiday_is_closed_and_shown(client, utrecht):
    neude = utrecht["neude"]
    # Tuesday 2026-12-22 is a normal day; Christmas 2026 falls on a Friday: add Friday hours to test it.
    OpeningHours.objects.create(location=neude, weekday=4, opens=time(10), closes=time(12))
    christmas = status_at(client, datetime(2026, 12, 25, 11, 0, tzinfo=AMSTERDAM), neude)
    assert christmas.open_until is None
    assert christmas.next_opening.start == datetime(2026, 12, 29, 10, 0, tzinfo=AMSTERDAM)
    with time_machine.travel(datetime(2026, 12, 24, 9, 0, tzinfo=AMSTERDAM), tick=False):
        html = client.get(reverse("public:location", kwargs={"pk": neude.pk})).content.decode()
    assert "public holiday: Christmas Day" in html  # the holiday's name in the week's table
    with time_machine.travel(datetime(2026, 12, 24, 9, 0, tzinfo=AMSTERDAM), tick=False):
        client.cookies["ido_language"] = "nl"
        html = client.get(reverse("public:location", kwargs={"pk": neude.pk})).content.decode()
    assert "Eerste kerstdag" in html
    assert '<span lang="nl">' not in html


@pytest.mark.parametrize("language", ["ar", "tr", "pl"])
def test_a_holiday_name_only_known_in_dutch_is_marked_as_dutch(client, utrecht, language):
    client.cookies["ido_language"] = language
    with time_machine.travel(datetime(2026, 12, 24, 9, 0, tzinfo=AMSTERDAM), tick=False):
        html = client.get(reverse("public:location", kwargs={"pk": utrecht["neude"].pk})).content.decode()
    assert '<span lang="nl">Eerste kerstdag</span>' in html


def test_an_exception_closes_a_normal_day(client, utrecht):
    neude = utrecht["neude"]
    OpeningException.objects.create(location=neude, date=date(2026, 12, 1), is_closed=True, reason="Training")
    row = status_at(client, datetime(2026, 12, 1, 11, 0, tzinfo=AMSTERDAM), neude)
    assert row.open_until is None
    assert row.next_opening.start.date() == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("moment_utc", "expected_open"),
    [
        # 2028-03-26: clocks go forward at 02:00. 08:30 UTC is 10:30 summer time: open (10:00–12:00).
        (datetime(2028, 3, 26, 8, 30, tzinfo=ZoneInfo("UTC")), True),
        # 07:30 UTC is 09:30 summer time: not yet open (on winter time it would read 08:30, also closed).
        (datetime(2028, 3, 26, 7, 30, tzinfo=ZoneInfo("UTC")), False),
        # 2027-10-31: clocks go back at 03:00. 10:30 winter time is 09:30 UTC: open.
        (datetime(2027, 10, 31, 9, 30, tzinfo=ZoneInfo("UTC")), True),
        # 11:30 UTC is 12:30 winter time: closed (on summer time it would read 13:30).
        (datetime(2027, 10, 31, 11, 30, tzinfo=ZoneInfo("UTC")), False),
        # 10:30 UTC is 11:30 winter time: open (on summer time it would read 12:30 and be closed).
        (datetime(2027, 10, 31, 10, 30, tzinfo=ZoneInfo("UTC")), True),
    ],
)
def test_open_now_on_the_days_the_clocks_change(client, utrecht, moment_utc, expected_open):
    neude = utrecht["neude"]
    OpeningHours.objects.create(location=neude, weekday=6, opens=time(10), closes=time(12))
    row = status_at(client, moment_utc, neude)
    assert (row.open_until is not None) is expected_open


def test_the_location_page_shows_the_week_hours_and_courses(client, utrecht):
    neude = utrecht["neude"]
    hour = make_hour(neude, public_booking=True, description="Hulp bij uw aangifte", what_to_bring="Uw DigiD")
    response = client.get(reverse("public:location", kwargs={"pk": neude.pk}), {"q": "3512"})
    assert response.status_code == 200
    html = response.content.decode()
    week = response.context["week"]
    assert week[0][0] == date(2026, 12, 1)
    assert len(week) == 7
    assert "10:00–12:30" in html
    assert "Hulp bij uw aangifte" in html and "Uw DigiD" in html
    assert reverse("booking:book", kwargs={"pk": hour.pk}) in html
    assert "What can I get help with here?" in html
    assert reverse("public:poster", kwargs={"pk": neude.pk}) in html
    assert 'href="/?q=3512#results"' in html  # back to the same search


def test_a_planned_or_unknown_location_has_no_page(client, utrecht):
    assert client.get(reverse("public:location", kwargs={"pk": utrecht["planned"].pk})).status_code == 404
    assert client.get(reverse("public:location", kwargs={"pk": 999999})).status_code == 404
    library = utrecht["neude"].library
    library.is_active = False
    library.save()
    assert client.get(reverse("public:location", kwargs={"pk": utrecht["neude"].pk})).status_code == 404


def test_a_location_without_coordinates_is_placed_at_its_postcode(utrecht):
    point = finder.location_point(0, None, None, "3581 AB")
    assert point == pytest.approx((52.09, 5.14), abs=0.02)
    assert finder.location_point(0, None, None, "") is None


def test_the_result_page_stays_under_100_kb_compressed(client, utrecht):
    """The HTML and every stylesheet and script it loads, gzipped, without map tiles."""
    response = client.get("/", {"q": "3512 AE"})
    html = response.content
    total = len(gzip.compress(html, 9))
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert assets  # the page does load its stylesheet and script
    for asset in assets:
        path = finders.find(asset.decode())
        with open(path, "rb") as handle:
            total += len(gzip.compress(handle.read(), 9))
    assert total < 100 * 1024


@override_settings(IDO_MAP_TILE_URL="/static/ido/favicon.svg?{z}/{x}/{y}")
def test_the_map_gets_numbered_points_only_when_tiles_are_configured(client, utrecht):
    response = client.get("/", {"q": "3512"})
    points = response.context["map_points"]
    assert [point["number"] for point in points] == [1, 2, 3, 4]
    assert points[0]["name"] == "IDO Neude"
    assert 'id="map-points"' in response.content.decode()


def test_no_map_without_tiles(client, utrecht):
    response = client.get("/", {"q": "3512"})
    assert 'class="map"' not in response.content.decode()


def test_a_phone_number_reads_left_to_right_in_arabic(client, utrecht):
    """In a right-to-left sentence the groups of "030 123 45 67" would show in reverse order: isolate them."""
    client.cookies["ido_language"] = "ar"
    isolated = '<bdi dir="ltr">030 123 45 67</bdi>'
    assert isolated in client.get("/", {"q": "3512"}).content.decode()
    assert isolated in client.get(reverse("public:location", kwargs={"pk": utrecht["neude"].pk})).content.decode()


def test_the_result_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    """Ten results, each with opening hours, an exception, two consultation hours and a course: no query per row."""
    municipality = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    library = LibraryFactory(served_municipalities=[municipality])
    for number in range(10):
        location = LocationFactory(
            library=library,
            municipality=municipality,
            name=f"IDO {number}",
            latitude=Decimal("52.09") + Decimal(number) / 1000,
            longitude=Decimal("5.12"),
        )
        OpeningHours.objects.create(location=location, weekday=1, opens=time(10), closes=time(17))
        OpeningException.objects.create(location=location, date=date(2026, 12, 3), is_closed=True)
        make_hour(location, provider=OrganisationFactory(name=f"Provider {number}"), public_booking=True)
        make_hour(location, provider=OrganisationFactory(name=f"Inloop {number}"), booking_mode="walk_in")
        make_session(make_course(OrganisationFactory(name=f"Cursus {number}"), public_enrolment=True), location)
    with django_assert_max_num_queries(8):
        response = client.get("/", {"q": "3512"})
    assert len(response.context["rows"]) == 10
    assert all(row.hours and row.courses for row in response.context["rows"])


def test_reading_only_a_box_around_the_spot_gives_the_same_nearest_as_ranking_all(utrecht):
    """The finder reads the locations around the spot and widens the box until nothing outside can be nearer;
    for random spots, dense and sparse regions, the answer equals ranking every location."""
    import random

    from ido.geo.distance import nearest
    from ido.geo.geocoder import Spot
    from ido.locations.models import Location

    rng = random.Random(8)
    library = utrecht["neude"].library
    municipality = utrecht["neude"].municipality
    postcodes = ["1011 AB", "3512 AE", "9711 AA", "6211 AA", "4331 AA"]
    Location.objects.bulk_create(
        [
            Location(
                library=library,
                municipality=municipality,
                name=f"IDO {index:03d}",
                street="Straat",
                house_number=str(index),
                postcode=rng.choice(postcodes),
                city="Ergens",
                # Dense around Utrecht, sparse elsewhere; every tenth without coordinates.
                latitude=None
                if index % 10 == 0
                else Decimal(f"{rng.uniform(51.9, 52.3) if index % 3 else rng.uniform(50.8, 53.4):.6f}"),
                longitude=None
                if index % 10 == 0
                else Decimal(f"{rng.uniform(4.9, 5.3) if index % 3 else rng.uniform(3.5, 7.1):.6f}"),
            )
            for index in range(300)
        ]
    )
    everything = list(finder._points(finder.public_locations()))
    for _ in range(150):
        spot = Spot("", rng.uniform(50.8, 53.4), rng.uniform(3.4, 7.2), "position", "")
        for limit in (1, 10):
            expected = [r.item for r in nearest(spot.latitude, spot.longitude, everything, limit=limit)]
            assert [r.item for r in finder.ranked_nearby(spot, limit)] == expected


def test_behind_our_proxy_the_visitor_is_the_address_it_saw(client, utrecht, settings):
    settings.IDO_SEARCH_RATE_LIMIT = 1
    settings.IDO_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/", {"q": "3512"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 200
    # Another visitor through the same proxy is not blocked by the first.
    assert client.get("/", {"q": "3512"}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 200
    # Writing another address in front (on the left) does not make a new visitor.
    spoofed = client.get("/", {"q": "3512"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy)
    assert spoofed.status_code == 429


def test_a_cancelled_date_of_a_consultation_hour_is_not_coming(utrecht):
    from ido.appointments.models import CancelledDate

    hour = make_hour(utrecht["neude"], public_booking=True)  # Tuesdays 13:00–16:00
    CancelledDate.objects.create(consultation_hour=hour, date=date(2026, 12, 8), reason="Ziek")
    CancelledDate.objects.create(consultation_hour=hour, date=date(2026, 12, 15))
    days = [
        item.day for item in finder.coming_hours([utrecht["neude"].pk], today=date(2026, 12, 1))[utrecht["neude"].pk]
    ]
    assert days == [date(2026, 12, 1), date(2026, 12, 22), date(2026, 12, 29)]
    assert all(
        item.hour.pk == hour.pk
        for item in finder.coming_hours([utrecht["neude"].pk], today=date(2026, 12, 1))[utrecht["neude"].pk]
    )
