"""The iCalendar feeds, parsed back with icalendar and expanded with dateutil: the same dates as the slot rules,
the skipped dates as EXDATEs, no personal data, and a wrong secret answers 404."""

from datetime import date, datetime, time

import pytest
from dateutil.rrule import rrulestr
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from ido.appointments import services, slots
from ido.appointments.calendars import location_feed_token
from ido.appointments.models import CancelledDate, ConsultationHour
from tests.factories import LocationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hour():
    hour = ConsultationHour.objects.create(
        provider=OrganisationFactory(name="Belastingdienst"),
        location=LocationFactory(name="IDO Centrum"),
        title="Belastingspreekuur",
        frequency="weekly",
        weekdays="0",  # Mondays: Easter Monday 2027 (29 March) is skipped
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 4, 30),
        start_time=time(13),
        end_time=time(15),
    )
    CancelledDate.objects.create(consultation_hour=hour, date=date(2027, 3, 15))
    return hour


def parsed(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_the_hour_feed_expands_to_the_dates_of_the_slot_rules(client, hour):
    calendar = parsed(client.get(reverse("calendars:hour", kwargs={"token": hour.feed_token})))
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Belastingspreekuur (Belastingdienst)"
    start = event.decoded("dtstart")
    assert (start.date(), start.hour, str(start.tzinfo)) == (date(2027, 3, 1), 13, "Europe/Amsterdam")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    excluded = {value.dt.date() for exdate in [event["exdate"]] for value in exdate.dts}
    assert excluded == {date(2027, 3, 15), date(2027, 3, 29)}
    expanded = [moment.date() for moment in rule if moment.date() not in excluded]
    assert expanded == slots.occurrence_dates(services.rule_for(hour), date(2027, 3, 1), date(2027, 4, 30))
    assert calendar.walk("VTIMEZONE")  # calendar apps get the time zone with the feed


def test_the_location_feed_has_every_hour_and_no_personal_data(client, hour):
    other = ConsultationHour.objects.create(
        provider=hour.provider,
        location=hour.location,
        title="Formulierenspreekuur",
        weekdays="3",
        starts_on=date(2027, 3, 4),
        start_time=time(10),
        end_time=time(12),
        public_booking=True,
    )
    services.book(
        actor=None,
        booked_by="citizen",
        consultation_hour=other,
        starts_at=slots.generate_slots(services.rule_for(other), date(2027, 3, 4), date(2027, 3, 4))[0].starts_at,
        details=services.VisitorDetails(name="Geheimnaam"),
        now=timezone.make_aware(datetime(2027, 3, 1, 9)),
    )
    response = client.get(reverse("calendars:location", kwargs={"token": location_feed_token(hour.location_id)}))
    calendar = parsed(response)
    assert sorted(str(event["summary"]) for event in calendar.walk("VEVENT")) == [
        "Belastingspreekuur (Belastingdienst)",
        "Formulierenspreekuur (Belastingdienst)",
    ]
    assert b"Geheimnaam" not in response.content


def test_a_wrong_secret_is_not_found(client, hour):
    assert client.get(reverse("calendars:hour", kwargs={"token": "not-the-token"})).status_code == 404
    token = location_feed_token(hour.location_id)
    assert client.get(reverse("calendars:location", kwargs={"token": token[:-2] + "xx"})).status_code == 404
