"""Open data: the HSDS document validated against the shipped JSON Schema, the CSV and the iCalendar file read
back, only public locations in them, and the files cacheable (ETag, 304, Cache-Control) and open to other sites."""

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
import time_machine
from dateutil.rrule import rrulestr
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar
from jsonschema import Draft202012Validator

from ido.appointments.models import ConsultationHour, SeriesStatus
from ido.locations.models import LocationStatus, OpeningException
from ido.locations.opening_hours import AMSTERDAM
from ido.organisations.models import Organisation, Province
from ido.public import hsds
from ido.public.open_data import CACHE_SECONDS, CSV_COLUMNS, SCHEMA_FILE
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    OpeningHoursFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

# A Monday; the exceptions and consultation hours below are around it.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=AMSTERDAM)
TODAY = NOW.date()
FILES = ["public:open_data_json", "public:open_data_csv", "public:open_data_ics", "public:open_data_schema"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def network():
    """Two open locations of an active library (one without coordinates, one with exceptions), and locations
    that must never appear: planned, closed, and open but of an inactive library."""
    utrecht = MunicipalityFactory(cbs_code="GM0344", name="Utrecht", province=Province.UTRECHT)
    library = LibraryFactory(
        name="Bibliotheek Utrecht",
        website="https://www.bibliotheekutrecht.test/",
        email="info@bibliotheekutrecht.test",
        served_municipalities=[utrecht],
    )
    centre = LocationFactory(
        library=library,
        municipality=utrecht,
        name="IDO Bibliotheek Neude",
        street="Neude",
        house_number="11",
        postcode="3512 AE",
        city="Utrecht",
        latitude=Decimal("52.093100"),
        longitude=Decimal("5.119400"),
        phone="030 286 1800",
        email="ido@bibliotheekutrecht.test",
        step_free=True,
        hearing_loop=True,
        languages=["nl", "en", "ar"],
    )
    for weekday in (0, 1):
        OpeningHoursFactory(location=centre, weekday=weekday, opens=time(10), closes=time(17))
    OpeningHoursFactory(location=centre, weekday=3, opens=time(10), closes=time(12, 30))
    OpeningHoursFactory(location=centre, weekday=3, opens=time(13), closes=time(20))
    OpeningException.objects.create(location=centre, date=TODAY - timedelta(days=7), reason="Voorbij")
    OpeningException.objects.create(location=centre, date=date(2027, 3, 9), reason="Studiedag")
    OpeningException.objects.create(
        location=centre, date=date(2027, 3, 11), is_closed=False, opens=time(10), closes=time(12)
    )
    # No coordinates of its own, outside the library, and a name a spreadsheet would run as a formula.
    community = LocationFactory(
        library=library,
        municipality=utrecht,
        name='=HYPERLINK("https://example.test","Kroon")',
        street="Kroonstraat",
        house_number="1a",
        postcode="3511 ED",
        city="Utrecht",
        in_library=False,
        venue="Buurthuis De Kroon",
        languages=[],
        open_on_public_holidays=True,
    )
    OpeningHoursFactory(location=community, weekday=2, opens=time(13), closes=time(16))
    planned = LocationFactory(
        library=library, municipality=utrecht, name="IDO Overvecht", status=LocationStatus.PLANNED
    )
    closed = LocationFactory(library=library, municipality=utrecht, name="IDO Zuilen", status=LocationStatus.CLOSED)
    gone = LibraryFactory(name="Bibliotheek Opgeheven", is_active=False, served_municipalities=[utrecht])
    orphan = LocationFactory(library=gone, municipality=utrecht, name="IDO Opgeheven")
    return {
        "library": library,
        "centre": centre,
        "community": community,
        "hidden": [planned, closed, orphan],
        "gone": gone,
    }


def _hour(location, **kwargs) -> ConsultationHour:
    defaults = {
        "location": location,
        "title": "Belastingspreekuur",
        "frequency": "weekly",
        "weekdays": "1",
        "starts_on": date(2027, 3, 2),
        "start_time": time(13),
        "end_time": time(15),
    }
    if "provider" not in kwargs:
        defaults["provider"] = Organisation.objects.filter(name="Belastingdienst").first() or OrganisationFactory(
            name="Belastingdienst"
        )
    return ConsultationHour.objects.create(**{**defaults, **kwargs})


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _document(client) -> dict:
    response = client.get(reverse("public:open_data_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def _location(document, location) -> dict:
    (found,) = [item for item in document["locations"] if item["id"] == hsds.location_id(location)]
    return found


# --- HSDS JSON --------------------------------------------------------------------------------------------------


def test_the_hsds_document_is_valid_against_the_shipped_schema(client, network):
    document = _document(client)
    validator = Draft202012Validator(_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]
    assert len(document["locations"]) == 2


def test_the_schema_rejects_a_document_that_breaks_the_hsds_rules(client, network):
    """The validation above means something: a location without its required type, or an id that is no UUID,
    fails it."""
    document = _document(client)
    validator = Draft202012Validator(_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    without_type = json.loads(json.dumps(document))
    del without_type["locations"][0]["location_type"]
    assert not validator.is_valid(without_type)
    bad_id = json.loads(json.dumps(document))
    bad_id["organizations"][0]["id"] = "library-1"
    assert not validator.is_valid(bad_id)


def test_only_open_locations_of_active_libraries_are_published(client, network):
    document = _document(client)
    names = {item["name"] for item in document["locations"]}
    assert names == {network["centre"].name, network["community"].name}
    for hidden in network["hidden"]:
        assert hidden.name not in json.dumps(document, ensure_ascii=False)
    assert [item["name"] for item in document["organizations"]] == ["Bibliotheek Utrecht"]


def test_every_reference_in_the_document_points_to_an_object_in_it(client, network):
    document = _document(client)
    organisations = {item["id"] for item in document["organizations"]}
    services = {item["id"]: item for item in document["services"]}
    locations = {item["id"]: item for item in document["locations"]}
    assert {item["organization_id"] for item in services.values()} == organisations
    assert {item["organization_id"] for item in locations.values()} <= organisations
    links = {(item["service_id"], item["location_id"]) for item in document["service_at_locations"]}
    assert {location for _service, location in links} == set(locations)
    assert {service for service, _location in links} <= set(services)
    ids = []
    for location in locations.values():
        ids.append(location["id"])
        for part in ("addresses", "phones", "contacts", "schedules", "languages", "accessibility"):
            for child in location[part]:
                assert child["location_id"] == location["id"], part
                ids.append(child["id"])
    ids += list(organisations) + list(services) + [item["id"] for item in document["service_at_locations"]]
    assert len(ids) == len(set(ids)), "every id is unique"


def test_ids_are_stable_uuids_that_survive_an_edit(client, network):
    centre = network["centre"]
    before = _location(_document(client), centre)
    assert UUID(before["id"]).version == 5
    centre.name = "IDO Bibliotheek Neude (verbouwd)"
    centre.save()
    after = _location(_document(client), centre)
    assert after["name"] == "IDO Bibliotheek Neude (verbouwd)"
    assert after["id"] == before["id"]
    assert [item["id"] for item in after["schedules"]] == [item["id"] for item in before["schedules"]]


def test_a_location_carries_address_contact_languages_and_accessibility(client, network):
    item = _location(_document(client), network["centre"])
    assert item["location_type"] == "physical"
    assert (item["latitude"], item["longitude"]) == (52.0931, 5.1194)
    (address,) = item["addresses"]
    assert address == {
        "id": address["id"],
        "location_id": item["id"],
        "address_1": "Neude 11",
        "city": "Utrecht",
        "region": "Utrecht",
        "state_province": "Utrecht",
        "postal_code": "3512 AE",
        "country": "NL",
        "address_type": "physical",
    }
    assert [phone["number"] for phone in item["phones"]] == ["030 286 1800"]
    assert [contact["email"] for contact in item["contacts"]] == ["ido@bibliotheekutrecht.test"]
    assert [(language["code"], language["name"]) for language in item["languages"]] == [
        ("nl", "Nederlands"),
        ("en", "Engels"),
        ("ar", "Arabisch"),
    ]
    assert [entry["description"] for entry in item["accessibility"]] == ["drempelvrij toegankelijk", "ringleiding"]


def test_a_location_without_coordinates_has_none_in_the_json(client, network):
    item = _location(_document(client), network["community"])
    assert "latitude" not in item and "longitude" not in item
    assert item["alternate_name"] == "Buurthuis De Kroon"
    assert item["phones"] == [] and item["contacts"] == [] and item["languages"] == []


def test_weekly_hours_are_hsds_schedules_that_expand_to_the_opening_days(client, network):
    item = _location(_document(client), network["centre"])
    weekly = [schedule for schedule in item["schedules"] if "until" not in schedule]
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in weekly] == [
        ("MO,TU", "10:00", "17:00"),
        ("TH", "10:00", "12:30"),
        ("TH", "13:00", "20:00"),
    ]
    assert all(schedule["freq"] == "WEEKLY" and schedule["valid_from"] == "2027-03-01" for schedule in weekly)
    assert weekly[0]["description"] == "Maandag, dinsdag 10:00–17:00"
    assert "Europe/Amsterdam" in weekly[0]["notes"]
    assert weekly[0]["schedule_link"] == settings.IDO_BASE_URL + reverse(
        "public:location", kwargs={"pk": network["centre"].pk}
    )
    # Read back as RFC 5545 rules: the dates fall on the location's opening days.
    opening_days = {row.weekday for row in network["centre"].opening_hours.all()}
    for schedule in weekly:
        rule = rrulestr(
            f"FREQ={schedule['freq']};WKST={schedule['wkst']};BYDAY={schedule['byday']}",
            dtstart=datetime.fromisoformat(schedule["valid_from"]),
        )
        days = {moment.weekday() for moment in rule[:6]}
        assert days <= opening_days and days


def test_coming_exceptions_are_one_day_schedules_and_past_ones_are_left_out(client, network):
    item = _location(_document(client), network["centre"])
    exceptional = {schedule["valid_from"]: schedule for schedule in item["schedules"] if "until" in schedule}
    assert set(exceptional) == {"2027-03-09", "2027-03-11"}
    closed = exceptional["2027-03-09"]
    assert (closed["dtstart"], closed["until"], closed["valid_to"], closed["byday"]) == (
        "2027-03-09",
        "2027-03-09",
        "2027-03-09",
        "TU",
    )
    assert "opens_at" not in closed and "closes_at" not in closed
    assert "09-03-2027" in closed["description"]
    assert closed["notes"].startswith("Studiedag. ")
    changed = exceptional["2027-03-11"]
    assert (changed["opens_at"], changed["closes_at"], changed["byday"]) == ("10:00", "12:00", "TH")


def test_the_json_is_the_same_in_every_language_of_the_visitor(client, network):
    dutch = client.get(reverse("public:open_data_json")).content
    english = client.get(reverse("public:open_data_json") + "?lang=en").content
    assert english == dutch


def test_the_json_takes_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    for extra in range(3):
        location = LocationFactory(library=network["library"], municipality=network["centre"].municipality)
        OpeningHoursFactory(location=location, weekday=extra)
    with django_assert_max_num_queries(3):
        client.get(reverse("public:open_data_json"))


# --- CSV --------------------------------------------------------------------------------------------------------


def _csv_rows(client) -> list[dict]:
    response = client.get(reverse("public:open_data_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="ido-locations.csv"'
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def test_the_csv_has_one_row_per_public_location(client, network):
    rows = _csv_rows(client)
    assert [int(row["id"]) for row in rows] == sorted([network["centre"].pk, network["community"].pk])
    centre = next(row for row in rows if int(row["id"]) == network["centre"].pk)
    assert centre == {
        "id": str(network["centre"].pk),
        "hsds_id": hsds.location_id(network["centre"]),
        "name": "IDO Bibliotheek Neude",
        "organisation": "Bibliotheek Utrecht",
        "municipality": "Utrecht",
        "cbs_code": "GM0344",
        "street": "Neude",
        "house_number": "11",
        "postcode": "3512 AE",
        "place": "Utrecht",
        "latitude": "52.093100",
        "longitude": "5.119400",
        "coordinates_source": "location",
        "phone": "030 286 1800",
        "email": "ido@bibliotheekutrecht.test",
        "accessibility": "step_free;hearing_loop",
        "languages": "nl;en;ar",
        "opening_hours": "Mo-Tu 10:00-17:00; Th 10:00-12:30,13:00-20:00; PH off",
        "exceptions": "2027-03-09 closed; 2027-03-11 10:00-12:00",
        "url": settings.IDO_BASE_URL + reverse("public:location", kwargs={"pk": network["centre"].pk}),
    }


def test_the_csv_falls_back_to_the_postcode_area_and_guards_against_formulas(client, network):
    rows = _csv_rows(client)
    community = next(row for row in rows if int(row["id"]) == network["community"].pk)
    # The centre of PC4 3511 in the CBS reference data.
    assert (community["latitude"], community["longitude"], community["coordinates_source"]) == (
        "52.088329",
        "5.115990",
        "postcode_area",
    )
    assert community["name"] == '\'=HYPERLINK("https://example.test","Kroon")'
    assert community["opening_hours"] == "We 13:00-16:00"  # open on public holidays: no "PH off"
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "@")), column


# --- iCalendar --------------------------------------------------------------------------------------------------


def test_the_calendar_has_the_active_hours_at_public_locations(client, network):
    hour = _hour(network["centre"])
    _hour(network["centre"], title="Vervallen spreekuur", status=SeriesStatus.CANCELLED)
    _hour(network["centre"], title="Afgelopen spreekuur", starts_on=date(2026, 1, 6), ends_on=date(2027, 2, 1))
    _hour(network["hidden"][0], title="Spreekuur op een geplande locatie")
    _hour(
        network["community"], title="Spreekuur van een opgeheven partner", provider=OrganisationFactory(is_active=False)
    )
    response = client.get(reverse("public:open_data_ics"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="consultation-hours.ics"'
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Belastingspreekuur (Belastingdienst)"
    assert network["centre"].name in str(event["location"])
    start = event.decoded("dtstart")
    assert (start.date(), start.hour, str(start.tzinfo)) == (date(2027, 3, 2), 13, "Europe/Amsterdam")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    assert [moment.date() for moment in rule[:3]] == [date(2027, 3, 2), date(2027, 3, 9), date(2027, 3, 16)]
    assert hour.feed_token.encode() not in response.content  # the secret of the staff feed stays secret


# --- caching and CORS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_the_files_are_cacheable_and_open_to_other_sites(client, network, name):
    _hour(network["centre"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"public", f"max-age={CACHE_SECONDS}"}
    assert response["ETag"]
    again = client.get(reverse(name), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == response["ETag"]
    assert again["Access-Control-Allow-Origin"] == "*"
    assert "max-age=3600" in again["Cache-Control"]


def test_a_change_gives_a_new_etag_and_the_full_file(client, network):
    first = client.get(reverse("public:open_data_csv"))
    network["centre"].phone = "030 000 0000"
    network["centre"].save()
    second = client.get(reverse("public:open_data_csv"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert b"030 000 0000" in second.content


def test_the_calendar_etag_ignores_when_the_file_was_made(client, network):
    """DTSTAMP says when the calendar was made: a copy made a minute later is the same calendar."""
    _hour(network["centre"])
    first = client.get(reverse("public:open_data_ics"))
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        later = client.get(reverse("public:open_data_ics"))
        assert later.content != first.content
        assert later["ETag"] == first["ETag"]
        assert client.get(reverse("public:open_data_ics"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_files_answer_only_to_reading(client, network):
    assert client.post(reverse("public:open_data_json")).status_code == 405


# --- the schema and the overview page ---------------------------------------------------------------------------


def test_the_schema_endpoint_serves_a_valid_json_schema_with_its_source(client):
    response = client.get(reverse("public:open_data_schema"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    schema = json.loads(response.content)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == settings.IDO_BASE_URL + reverse("public:open_data_schema")
    assert "openreferral/specification" in schema["$comment"]
    assert "CC BY-SA 4.0" in schema["$comment"]
    assert {key: value for key, value in schema.items() if key != "$id"} == _schema()


def test_the_overview_page_documents_the_files_and_the_licences(client, network):
    response = client.get(reverse("public:open_data"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in FILES:
        assert settings.IDO_BASE_URL + reverse(name) in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "Bron: IDO Platform" in page
    assert "Bron: CBS (via certegis, Certe)" in page
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in page
    assert response.context["location_count"] == 2
