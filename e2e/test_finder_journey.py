"""The public finder in the browser: a citizen types a postcode, gets the nearest help points and opens one, in
Dutch and in Arabic (right to left), by keyboard; every public page in all six languages passes axe-core; "near
me" with the browser's position."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.factories import LibraryFactory, LocationFactory, MunicipalityFactory, OrganisationFactory

from ido.appointments.models import ConsultationHour
from ido.locations.models import OpeningHours

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["nl", "en", "ar", "tr", "pl", "uk"]


@pytest.fixture
def places():
    municipality = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    library = LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[municipality])

    def place(name, lat, lon, postcode, **fields):
        location = LocationFactory(
            library=library,
            municipality=municipality,
            name=name,
            postcode=postcode,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            languages=["nl", "en", "ar"],
            step_free=True,
            **fields,
        )
        for weekday in range(7):
            OpeningHours.objects.create(location=location, weekday=weekday, opens=time(0, 0), closes=time(23, 59))
        return location

    neude = place("IDO Bibliotheek Neude", "52.092700", "5.119200", "3512 AE", phone="030 286 18 00")
    place("IDO Bibliotheek Overvecht", "52.113800", "5.111300", "3562 JW")
    day = timezone.localdate() + timedelta(days=2)
    ConsultationHour.objects.create(
        provider=OrganisationFactory(name="Belastingdienst"),
        location=neude,
        title="Belastingspreekuur",
        frequency="weekly",
        weekdays=str(day.weekday()),
        starts_on=day - timedelta(days=7),
        start_time=time(10),
        end_time=time(12),
        public_booking=True,
        skip_public_holidays=False,
    )
    return {"neude": neude}


def search_by_keyboard(page, text):
    page.keyboard.press("Tab")  # the skip link
    field = page.locator("#q")
    field.focus()
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_citizen_finds_the_nearest_help_point_in_dutch(checked_page, places):
    page = checked_page.page
    checked_page.goto("/")
    search_by_keyboard(page, "3512 AE")
    checked_page.check()
    expect(page.locator("h2#results")).to_contain_text("3512 Utrecht")
    cards = page.locator("ol.cards > li h3")
    expect(cards.first).to_have_text("IDO Bibliotheek Neude")
    expect(cards.nth(1)).to_have_text("IDO Bibliotheek Overvecht")
    expect(page.locator("ol.cards > li").first).to_contain_text("Nu open tot")
    page.get_by_role("link", name="IDO Bibliotheek Neude", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked_page.check()
    expect(page.locator("h1")).to_have_text("IDO Bibliotheek Neude")
    expect(page.locator("table.hours tr")).to_have_count(7)
    expect(page.get_by_role("link", name="Belastingspreekuur", exact=False).first).to_be_visible()
    # Back to the same results.
    with page.expect_navigation():
        page.get_by_role("link", name="Terug naar de zoekresultaten").click()
    expect(page.locator("#q")).to_have_value("3512 AE")


def test_a_citizen_finds_the_nearest_help_point_in_arabic(checked_page, places):
    page = checked_page.page
    checked_page.goto("/?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    search_by_keyboard(page, "3512 AE")
    checked_page.check()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")  # the choice is kept
    # The search field starts on the right in a right-to-left page.
    field = page.locator("#q").bounding_box()
    button = page.locator("form.search button").bounding_box()
    assert button["x"] < field["x"]
    page.get_by_role("link", name="IDO Bibliotheek Neude", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked_page.check()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("IDO Bibliotheek Neude")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_pages_pass_axe_in_every_language(checked_page, places, language):
    page = checked_page.page
    checked_page.goto(f"/?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    for path in [
        "/?q=3512+AE",
        "/?q=Utrect",
        "/?q=1099",
        f"/locations/{places['neude'].pk}/",
        "/open-data/",
        "/widget/GM0344/",
    ]:
        checked_page.goto(path)
        assert page.locator("h1").count() == 1, path


def test_near_me_uses_the_browsers_position(browser, live_server, places):
    context = browser.new_context(
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        geolocation={"latitude": 52.1140, "longitude": 5.1110},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    button = page.get_by_role("button", name="Gebruik mijn locatie")
    expect(button).to_be_visible()  # shown only where the browser can tell its position
    with page.expect_navigation():
        button.click()
    expect(page.locator("h2#results")).to_have_text("Hulppunten bij u in de buurt")
    expect(page.locator("ol.cards > li h3").first).to_have_text("IDO Bibliotheek Overvecht")
    assert "lat=52.114&" in page.url  # rounded to about 100 m before it leaves the browser
    context.close()


def test_the_optional_map_draws_tiles_and_numbered_markers(checked_page, places, settings):
    # A tile server of our own for the test: any image on this site stands in for a map tile.
    settings.IDO_MAP_TILE_URL = "/static/ido/favicon.svg?z={z}&x={x}&y={y}"
    page = checked_page.page
    checked_page.goto("/?q=3512+AE")
    map_box = page.locator(".map")
    expect(map_box).to_be_visible()
    assert map_box.get_attribute("aria-hidden") == "true"  # the numbered list has it all
    expect(map_box.locator(".map__marker")).to_have_count(2)
    expect(map_box.locator(".map__marker").first).to_have_text("1")
    assert map_box.locator("img").count() >= 1
    assert "z=" in map_box.locator("img").first.get_attribute("src")
