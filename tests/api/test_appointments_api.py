"""Consultation hours, slots and appointments in the API: the hours and their free places are public and hold no
personal data; a library's token books, lists and cancels its own appointments."""

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from ido.appointments import services
from ido.appointments.models import (
    Appointment,
    AppointmentStatus,
    BookedBy,
    BookingMode,
    ConsultationHour,
    SeriesStatus,
    Slot,
)
from ido.core.models import AuditEvent
from ido.locations.models import LocationStatus
from ido.organisations.models import Organisation
from ido.organisations.roles import Role
from ido.registrations.models import Topic
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OrganisationFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Tuesday 1 December 2026, nine in the morning; the hours below are on Tuesdays from 13:00 to 16:00.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)
DAY = date(2026, 12, 8)
APPOINTMENTS = "/api/v1/appointments/"


def provider() -> Organisation:
    return Organisation.objects.filter(name="Belastingdienst").first() or OrganisationFactory(name="Belastingdienst")


def make_hour(location, **fields) -> ConsultationHour:
    values = {
        "provider": provider(),
        "location": location,
        "title": "Belastingspreekuur",
        "frequency": "weekly",
        "weekdays": "1",
        "starts_on": date(2026, 11, 3),
        "start_time": time(13, 0),
        "end_time": time(16, 0),
        "slot_minutes": 20,
        "capacity": 1,
        "book_ahead_days": 28,
        "book_until_minutes": 60,
    }
    return ConsultationHour.objects.create(**{**values, **fields})


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


def slots_url(hour: ConsultationHour) -> str:
    return f"/api/v1/consultation-hours/{hour.pk}/slots/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def library():
    return LibraryFactory(name="Bibliotheek A")


@pytest.fixture
def location(library):
    return LocationFactory(library=library, name="A Centrum")


@pytest.fixture
def hour(location):
    return make_hour(location)


@pytest.fixture
def anonymous():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def book_by_desk(hour, starts_at, name="Jan", phone="0612345678") -> Appointment:
    desk = membership_for_role(Role.DESK)
    return services.book(
        actor=desk,
        consultation_hour=hour,
        starts_at=starts_at,
        details=services.VisitorDetails(name=name, phone=phone, consent_given=True, consent_text="Herinnering"),
    )


def body(hour, starts_at, **fields) -> dict:
    return {"consultation_hour": hour.pk, "starts_at": starts_at.isoformat(), "name": "A.B.", **fields}


# Public reads


def test_the_consultation_hours_of_an_open_location_are_public_and_hold_no_personal_data(
    anonymous, location, hour, django_assert_max_num_queries
):
    hour.topics.set(Topic.objects.filter(code__in=["taxes", "allowances"]))
    hour.description = "Hulp bij de aangifte."
    hour.what_to_bring = "Uw DigiD."
    hour.save()
    make_hour(
        location, title="Inloop", booking_mode=BookingMode.WALK_IN, public_booking=True, frequency="every_other_week"
    )
    make_hour(location, title="Geschrapt", status=SeriesStatus.CANCELLED)
    make_hour(location, title="Afgelopen", ends_on=date(2026, 11, 24))
    make_hour(LocationFactory(), title="Elders")
    book_by_desk(hour, at(13, 20), name="Geheimnaam", phone="0687654321")

    # Location, count, hours, topics, cancelled dates: not one more per hour.
    with django_assert_max_num_queries(5):
        response = anonymous.get(f"/api/v1/locations/{location.pk}/consultation-hours/")

    assert response.status_code == 200, response.content
    data = response.json()
    assert [row["title"] for row in data["results"]] == ["Belastingspreekuur", "Inloop"]
    first = data["results"][0]
    assert first == {
        "id": hour.pk,
        "location": location.pk,
        "title": "Belastingspreekuur",
        "description": "Hulp bij de aangifte.",
        "what_to_bring": "Uw DigiD.",
        "provider_name": "Belastingdienst",
        "topics": first["topics"],
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "starts_on": "2026-11-03",
        "ends_on": None,
        "start_time": "13:00",
        "end_time": "16:00",
        "skip_public_holidays": True,
        "slot_minutes": 20,
        "capacity": 1,
        "booking_mode": "appointment",
        "public_booking": False,
        "book_ahead_days": 28,
        "book_until_minutes": 60,
    }
    assert sorted(topic["code"] for topic in first["topics"]) == ["allowances", "taxes"]
    assert set(first["topics"][0]) == {"code", "label_nl", "label_en"}
    walk_in = data["results"][1]
    assert (walk_in["booking_mode"], walk_in["public_booking"]) == ("walk_in", True)
    assert walk_in["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=MO"
    assert "Geheimnaam" not in response.content.decode()
    assert "0687654321" not in response.content.decode()


@pytest.mark.parametrize("status", [LocationStatus.PLANNED, LocationStatus.CLOSED])
def test_a_location_that_is_not_open_shows_no_consultation_hours(anonymous, location, hour, status):
    location.status = status
    location.save()

    assert anonymous.get(f"/api/v1/locations/{location.pk}/consultation-hours/").status_code == 404
    assert anonymous.get(slots_url(hour)).status_code == 404


def test_an_invalid_token_does_not_matter_to_the_public_reads(anonymous, location, hour):
    anonymous.credentials(HTTP_AUTHORIZATION="Token nonsense")

    assert anonymous.get(f"/api/v1/locations/{location.pk}/consultation-hours/").status_code == 200
    assert anonymous.get(slots_url(hour)).status_code == 200


def test_the_slots_show_the_free_places_and_whether_they_can_be_booked(anonymous, location):
    hour = make_hour(location, capacity=2)
    book_by_desk(hour, at(13, 20), name="Geheimnaam")
    book_by_desk(hour, at(13, 40))
    book_by_desk(hour, at(13, 40))

    response = anonymous.get(slots_url(hour), {"from": "2026-12-08", "to": "2026-12-08"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 9  # 13:00 to 16:00 in slots of 20 minutes
    first, second, third = data["results"][:3]
    assert first == {
        "starts_at": "2026-12-08T13:00:00+01:00",
        "ends_at": "2026-12-08T13:20:00+01:00",
        "capacity": 2,
        "free": 2,
        "bookable": True,
    }
    assert (second["free"], second["bookable"]) == (1, True)
    assert (third["free"], third["bookable"]) == (0, False)  # full
    assert "Geheimnaam" not in response.content.decode()


def test_slots_by_default_run_from_today_for_the_days_the_hour_can_be_booked_ahead(anonymous, hour):
    response = anonymous.get(slots_url(hour))

    assert response.status_code == 200, response.content
    starts = [row["starts_at"] for row in response.json()["results"]]
    # Today (a Tuesday) up to and including 29 December: five Tuesdays of nine slots.
    assert (starts[0], starts[-1], len(starts)) == ("2026-12-01T13:00:00+01:00", "2026-12-29T15:40:00+01:00", 45)


def test_a_walk_in_hour_has_slot_times_but_nothing_to_book(anonymous, location):
    hour = make_hour(location, booking_mode=BookingMode.WALK_IN)

    results = anonymous.get(slots_url(hour), {"from": "2026-12-08", "to": "2026-12-08"}).json()["results"]

    assert results and not any(row["bookable"] for row in results)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-12-08", "to": "2026-12-07"}, "before"),
        ({"from": "2026-12-01", "to": "2027-03-03"}, "at most 92 days"),  # 93 days
        ({"to": "2027-03-03"}, "at most 92 days"),
        ({"from": "8-12-2026"}, "format"),
    ],
)
def test_a_reversed_or_too_long_period_of_slots_is_refused(anonymous, hour, query, message):
    response = anonymous.get(slots_url(hour), query)

    assert response.status_code == 400
    messages = " ".join(text for texts in response.json().values() for text in texts)
    assert message in messages


def test_a_period_of_92_days_is_fine(anonymous, hour):
    assert anonymous.get(slots_url(hour), {"from": "2026-12-01", "to": "2027-03-02"}).status_code == 200


def test_the_period_message_is_dutch_unless_the_client_asks_otherwise(anonymous, hour):
    reversed_period = {"from": "2026-12-08", "to": "2026-12-07"}

    dutch = APIClient().get(slots_url(hour), reversed_period)
    english = anonymous.get(slots_url(hour), reversed_period)

    assert (dutch.status_code, english.status_code) == (400, 400)
    assert english.json() == {"to": ["The date “to” is before the date “from”."]}
    assert dutch.json()["to"] != english.json()["to"]


# Booking


def test_a_library_token_books_a_slot_for_its_organisation(client_for, library, hour):
    client = client_for(library)

    response = client.post(APPOINTMENTS, body(hour, at(13, 20)), format="json")

    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert response.json() == {
        "id": appointment.pk,
        "consultation_hour": hour.pk,
        "starts_at": "2026-12-08T13:20:00+01:00",
        "ends_at": "2026-12-08T13:40:00+01:00",
        "status": "booked",
        "booked_by": "api",
        "created_at": response.json()["created_at"],
        "status_changed_at": None,
    }
    assert appointment.booked_by == BookedBy.API
    assert appointment.booking_organisation == library
    assert appointment.booked_by_user is None
    assert appointment.name == "A.B."
    assert appointment.slot.booked == 1
    event = AuditEvent.objects.get(action="appointments.appointment.booked")
    assert event.organisation == library


def test_a_library_token_may_book_at_another_librarys_location(client_for, library):
    """As the desk can: a warm referral often goes to a neighbouring library."""
    hour = make_hour(LocationFactory(library=LibraryFactory(name="Bibliotheek B")))

    response = client_for(library).post(APPOINTMENTS, body(hour, at(14)), format="json")

    assert response.status_code == 201, response.content
    assert Appointment.objects.get().booking_organisation == library


def test_a_full_slot_is_refused_and_changes_nothing(client_for, library, hour):
    book_by_desk(hour, at(14))

    response = client_for(library).post(APPOINTMENTS, body(hour, at(14)), format="json")

    assert response.status_code == 400
    assert "full" in " ".join(response.json()["starts_at"])
    assert Appointment.objects.count() == 1
    assert Slot.objects.get().booked == 1


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (at(13, 10), "no slot"),  # not the start of a slot
        (at(13, 0, date(2026, 11, 24)), "past"),
        (at(13, 0, date(2027, 1, 5)), "booking window"),  # more than 28 days ahead
    ],
)
def test_a_time_that_cannot_be_booked_is_refused(client_for, library, hour, starts_at, message):
    response = client_for(library).post(APPOINTMENTS, body(hour, starts_at), format="json")

    assert response.status_code == 400
    assert message in " ".join(response.json()["starts_at"])
    assert not Appointment.objects.exists()


def test_a_time_without_an_offset_is_refused(client_for, library, hour):
    response = client_for(library).post(
        APPOINTMENTS, {**body(hour, at(14)), "starts_at": "2026-12-08T14:00:00"}, format="json"
    )

    assert response.status_code == 400
    assert "offset" in " ".join(response.json()["starts_at"])


def test_contact_details_without_consent_are_refused(client_for, library, hour):
    client = client_for(library)

    refused = client.post(APPOINTMENTS, body(hour, at(14), phone="0612345678"), format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["consent"]
    assert not Appointment.objects.exists()
    assert not Slot.objects.filter(booked__gt=0).exists()

    agreed = client.post(APPOINTMENTS, body(hour, at(14), email="ab@example.nl", consent=True), format="json")

    assert agreed.status_code == 201, agreed.content
    appointment = Appointment.objects.get()
    assert appointment.email == "ab@example.nl"
    assert appointment.consent_given_at == NOW
    assert appointment.consent_text
    assert "ab@example.nl" not in agreed.content.decode()


@pytest.mark.parametrize("name", ["", "Jan 111222333", "x" * 41])
def test_only_a_first_name_or_initials_is_taken(client_for, library, hour, name):
    response = client_for(library).post(APPOINTMENTS, body(hour, at(14), name=name), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"booking_mode": BookingMode.WALK_IN},
        {"status": SeriesStatus.CANCELLED},
    ],
)
def test_an_hour_that_takes_no_bookings_is_refused_as_unknown(client_for, library, hour, change):
    ConsultationHour.objects.filter(pk=hour.pk).update(**change)

    response = client_for(library).post(APPOINTMENTS, body(hour, at(14)), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["consultation_hour"]


def test_an_hour_at_a_closed_location_is_refused_as_unknown(client_for, library, location, hour):
    location.status = LocationStatus.CLOSED
    location.save()

    response = client_for(library).post(APPOINTMENTS, body(hour, at(14)), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["consultation_hour"]


@pytest.mark.parametrize(
    "organisation_factory", [OrganisationFactory, MunicipalityOrganisationFactory, NationalBodyFactory]
)
def test_a_token_without_the_book_permission_gets_403(client_for, hour, organisation_factory):
    client = client_for(organisation_factory())
    appointment = book_by_desk(hour, at(15))

    assert client.post(APPOINTMENTS, body(hour, at(14)), format="json").status_code == 403
    assert client.post(f"{APPOINTMENTS}{appointment.pk}/cancel/").status_code == 403
    listed = client.get(APPOINTMENTS)
    assert (listed.status_code, listed.json()["count"]) == (200, 0)
    assert Appointment.objects.count() == 1
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_without_a_token_booking_and_listing_answer_401(anonymous, hour):
    assert anonymous.post(APPOINTMENTS, body(hour, at(14)), format="json").status_code == 401
    assert anonymous.get(APPOINTMENTS).status_code == 401
    assert not Appointment.objects.exists()


# Listing and cancelling


def test_the_list_shows_only_the_callers_bookings_and_never_names(
    client_for, library, hour, django_assert_max_num_queries
):
    other = LibraryFactory(name="Bibliotheek B")
    client_for(other).post(APPOINTMENTS, body(hour, at(15), name="Anderen"), format="json")
    client = client_for(library)
    for start, name in [(at(14), "Piet"), (at(13, 20), "Klaas")]:
        created = client.post(
            APPOINTMENTS, body(hour, start, name=name, phone="0611111111", consent=True), format="json"
        )
        assert created.status_code == 201, created.content

    with django_assert_max_num_queries(4):  # token, count, appointments with their slots (and the token's use)
        response = client.get(APPOINTMENTS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["starts_at"] for row in results] == ["2026-12-08T13:20:00+01:00", "2026-12-08T14:00:00+01:00"]
    assert all(row["consultation_hour"] == hour.pk and row["status"] == "booked" for row in results)
    assert all(set(row) & {"name", "phone", "email"} == set() for row in results)
    text = json.dumps(response.json())
    for secret in ("Piet", "Klaas", "Anderen", "0611111111"):
        assert secret not in text


def test_cancelling_frees_the_place(client_for, library, hour):
    client = client_for(library)
    appointment_id = client.post(APPOINTMENTS, body(hour, at(14)), format="json").json()["id"]

    response = client.post(f"{APPOINTMENTS}{appointment_id}/cancel/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert Appointment.objects.get(pk=appointment_id).status == AppointmentStatus.CANCELLED
    assert Slot.objects.get().booked == 0
    again = client.post(APPOINTMENTS, body(hour, at(14)), format="json")
    assert again.status_code == 201, again.content
    twice = client.post(f"{APPOINTMENTS}{appointment_id}/cancel/")
    assert twice.status_code == 400
    assert list(twice.json()) == ["status"]


def test_another_organisations_appointment_cannot_be_cancelled(client_for, library, hour):
    appointment = book_by_desk(hour, at(14))  # booked by the desk of another library

    response = client_for(library).post(f"{APPOINTMENTS}{appointment.pk}/cancel/")

    assert response.status_code == 404
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    assert Slot.objects.get().booked == 1


def test_an_appointment_that_has_started_cannot_be_cancelled(client_for, library, hour):
    client = client_for(library)
    appointment_id = client.post(APPOINTMENTS, body(hour, at(14)), format="json").json()["id"]

    with time_machine.travel(at(14, 5), tick=False):
        response = client.post(f"{APPOINTMENTS}{appointment_id}/cancel/")

    assert response.status_code == 400
    assert Slot.objects.get().booked == 1
