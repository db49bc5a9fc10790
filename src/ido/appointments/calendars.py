"""iCalendar feeds of consultation hours for staff calendars: one event per series with its RFC 5545 rule and
the skipped dates as EXDATEs. Read-only, behind a secret URL, and without any personal data."""

from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from ido.appointments import slots as slot_rules
from ido.appointments.models import ConsultationHour, SeriesStatus

LOCATION_FEED_SALT = "ido.appointments.location-feed"
# EXDATEs are listed this far ahead; a calendar app refreshes the feed long before.
EXDATE_HORIZON = timedelta(days=400)


def location_feed_token(location_id: int) -> str:
    """A secret for the location's feed URL, signed with SECRET_KEY (changing the key revokes every feed)."""
    return signing.dumps(location_id, salt=LOCATION_FEED_SALT, compress=True)


def location_from_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=LOCATION_FEED_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _event(hour: ConsultationHour) -> Event:
    from ido.appointments.services import rule_for

    rule = rule_for(hour)
    tz = slot_rules.AMSTERDAM
    first = slot_rules.occurrence_dates(rule, hour.starts_on, hour.starts_on + timedelta(days=62))
    start_day = first[0] if first else hour.starts_on
    event = Event()
    event.add("uid", f"consultation-hour-{hour.pk}@ido-platform")
    event.add("summary", f"{hour.title} ({hour.provider.name})")
    location = hour.location
    event.add("location", f"{location.name}, {location.street} {location.house_number}, {location.city}")
    if hour.description:
        event.add("description", hour.description)
    event.add("dtstart", datetime.combine(start_day, hour.start_time, tzinfo=tz))
    event.add("dtend", datetime.combine(start_day, hour.end_time, tzinfo=tz))
    event.add("dtstamp", timezone.now())
    event.add("rrule", vRecur.from_ical(slot_rules.to_rrule_string(rule)))
    skipped = slot_rules.skipped_dates(rule, start_day, timezone.localdate() + EXDATE_HORIZON)
    if skipped:
        event.add("exdate", [datetime.combine(day, hour.start_time, tzinfo=tz) for day in skipped])
    event.add("status", "CANCELLED" if hour.status == SeriesStatus.CANCELLED else "CONFIRMED")
    return event


def feed(hours, *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//IDO Platform//Consultation hours//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for hour in hours:
        calendar.add_component(_event(hour))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def appointment_ics(appointment) -> bytes:
    """One appointment as a calendar file for the visitor's own agenda: when, where, with whom and how to cancel.
    Without the visitor's name: the file travels by e-mail and ends up in other apps."""
    from ido.appointments.cancel_links import cancel_url

    hour = appointment.slot.consultation_hour
    location = hour.location
    calendar = Calendar()
    calendar.add("prodid", "-//IDO Platform//Appointment//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@ido-platform")
    event.add("summary", f"{hour.title} ({hour.provider.name})")
    event.add("location", f"{location.name}, {location.street} {location.house_number}, {location.city}")
    details = [hour.what_to_bring, cancel_url(appointment)]
    event.add("description", "\n\n".join(part for part in details if part))
    event.add("dtstart", appointment.slot.starts_at)
    event.add("dtend", appointment.slot.ends_at)
    event.add("dtstamp", timezone.now())
    event.add("url", cancel_url(appointment))
    calendar.add_component(event)
    return calendar.to_ical()
