"""Reads for the consultation-hour and appointment endpoints of the API.

The public reads carry no personal data: consultation hours and slot counts. The appointments a token lists are
its own organisation's bookings, loaded without the encrypted personal fields (the API never shows them, so it
does not decrypt them either).
"""

from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ido.appointments.models import Appointment, BookingMode, ConsultationHour, SeriesStatus
from ido.appointments.selectors import FreeSlot, slots_with_places
from ido.locations.selectors import public_locations
from ido.registrations.models import Topic

PERSONAL_FIELDS = ("name", "phone", "email", "consent_text")


def public_consultation_hours(*, today: date | None = None) -> QuerySet[ConsultationHour]:
    """What anyone may read without a token: the active series at the open locations that have not ended."""
    today = today or timezone.localdate()
    return (
        ConsultationHour.objects.filter(location__in=public_locations())
        .filter(status=SeriesStatus.ACTIVE)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("provider")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("sort_order", "code")), "cancelled_dates")
    )


def public_slots(hour: ConsultationHour, start: date, end: date, *, now: datetime | None = None) -> list[FreeSlot]:
    """The slots of the series in [start, end] with their free places. `bookable` here means that a place can be
    booked now: the booking window is open, a place is free, and the hour takes appointments (a walk-in hour has
    times, but nobody books them)."""
    takes_appointments = hour.booking_mode == BookingMode.APPOINTMENT
    return [
        slot._replace(bookable=slot.bookable and takes_appointments and slot.free > 0)
        for slot in slots_with_places(hour, start, end, now=now)
    ]


def appointments_booked_by(actor) -> QuerySet[Appointment]:
    """The appointments the actor's organisation booked, through its desk or its software."""
    if not actor.has_perm("appointments.book"):
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(booking_organisation=actor.organisation)
        .select_related("slot")
        .defer(*PERSONAL_FIELDS)
    )
