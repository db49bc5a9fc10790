"""Reads for consultation hours, scoped to the one who asks."""

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ido.appointments import slots as slot_rules
from ido.appointments.models import (
    Appointment,
    AppointmentStatus,
    BookingMode,
    ConsultationHour,
    HostAgreement,
    SeriesStatus,
    Slot,
)
from ido.locations.models import Location, LocationStatus
from ido.locations.selectors import locations_manageable_by
from ido.organisations.models import Organisation, OrganisationKind


def consultation_hours_for(actor) -> QuerySet[ConsultationHour]:
    """A library sees the hours at its locations; a provider its own hours, wherever they are."""
    if not actor.has_perm("appointments.view") and not actor.has_perm("appointments.manage_hours"):
        return ConsultationHour.objects.none()
    hours = ConsultationHour.objects.select_related("location", "provider")
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        return hours.filter(Q(location__library=actor.organisation) | Q(provider=actor.organisation))
    return hours.filter(provider=actor.organisation)


def hours_bookable_by(actor) -> QuerySet[ConsultationHour]:
    """Where the desk can book a visitor: every active consultation hour by appointment at an open location, in
    its own library or elsewhere in the region (a warm referral often goes to a neighbouring library or a
    partner's building). Search narrows this down by topic, provider and distance."""
    if not actor.has_perm("appointments.book"):
        return ConsultationHour.objects.none()
    return ConsultationHour.objects.select_related("location", "provider").filter(
        status=SeriesStatus.ACTIVE,
        booking_mode=BookingMode.APPOINTMENT,
        location__status=LocationStatus.OPEN,
    )


def hour_locations_for(actor) -> QuerySet[Location]:
    """Where the actor may add and manage consultation hours: a library at its own locations; a partner at the
    locations whose library agreed to host its hours."""
    if not actor.has_perm("appointments.manage_hours"):
        return Location.objects.none()
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        return locations_manageable_by(actor)
    return Location.objects.filter(host_agreements__provider=actor.organisation).distinct()


def may_manage_hour(actor, hour: ConsultationHour) -> bool:
    """A library manages every hour at its locations; a partner only its own hours, where it is hosted."""
    if not hour_locations_for(actor).filter(pk=hour.location_id).exists():
        return False
    return actor.organisation.kind == OrganisationKind.LIBRARY or hour.provider_id == actor.organisation.pk


def host_agreements_for(actor) -> QuerySet[HostAgreement]:
    """The partners the actor's library hosts, at its locations."""
    if not actor.has_perm("appointments.host"):
        return HostAgreement.objects.none()
    return HostAgreement.objects.select_related("location", "provider").filter(
        location__in=locations_manageable_by(actor)
    )


def possible_providers(actor) -> QuerySet[Organisation]:
    """Who can hold a consultation hour the actor adds: an active partner organisation, or the actor's own. A
    partner adds hours only for itself."""
    if not actor.has_perm("appointments.manage_hours"):
        return Organisation.objects.none()
    if actor.organisation.kind != OrganisationKind.LIBRARY:
        return Organisation.objects.filter(pk=actor.organisation.pk)
    return (
        Organisation.objects.filter(is_active=True)
        .filter(Q(kind=OrganisationKind.PARTNER) | Q(pk=actor.organisation.pk))
        .order_by("name")
    )


class FreeSlot(NamedTuple):
    starts_at: object
    ends_at: object
    capacity: int
    free: int
    bookable: bool


def slots_with_places(hour: ConsultationHour, start: date, end: date, *, now=None) -> list[FreeSlot]:
    """The slots of a series in [start, end] with the places still free and whether they can be booked now."""
    from ido.appointments.services import rule_for

    now = now or timezone.now()
    computed = slot_rules.generate_slots(rule_for(hour), start, end)
    booked = dict(
        Slot.objects.filter(consultation_hour=hour, starts_at__in=[slot.starts_at for slot in computed]).values_list(
            "starts_at", "booked"
        )
    )
    return [
        FreeSlot(
            slot.starts_at,
            slot.ends_at,
            slot.capacity,
            slot.capacity - booked.get(slot.starts_at, 0),
            hour.status == SeriesStatus.ACTIVE
            and slot_rules.bookable(
                slot.starts_at,
                now=now,
                book_ahead_days=hour.book_ahead_days,
                book_until_minutes=hour.book_until_minutes,
            ),
        )
        for slot in computed
    ]


def appointments_visible_to(actor) -> QuerySet[Appointment]:
    """Who sees an appointment (and its personal data): the host location's library and the provider; and the
    organisation whose desk booked it, which typed the data in itself and prints the card."""
    if not actor.has_perm("appointments.view"):
        return Appointment.objects.none()
    return Appointment.objects.select_related(
        "slot__consultation_hour__location", "slot__consultation_hour__provider"
    ).filter(
        Q(slot__consultation_hour__location__library=actor.organisation)
        | Q(slot__consultation_hour__provider=actor.organisation)
        | Q(booking_organisation=actor.organisation)
    )


def appointments_markable_by(actor) -> QuerySet[Appointment]:
    """Who came or not is for the provider and the host library to say: they count the no-shows of their hour.
    The library that only booked the appointment sees it but does not mark it."""
    if not actor.has_perm("appointments.mark"):
        return Appointment.objects.none()
    return appointments_visible_to(actor).filter(
        Q(slot__consultation_hour__location__library=actor.organisation)
        | Q(slot__consultation_hour__provider=actor.organisation)
    )


def day_list(actor, day: date) -> QuerySet[Appointment]:
    """The appointments of one local day that the actor may see, in time order."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return (
        appointments_visible_to(actor)
        .filter(slot__starts_at__gte=start, slot__starts_at__lt=end)
        .order_by("slot__starts_at", "pk")
    )


def attendance_figures(hour: ConsultationHour, *, now=None) -> dict[str, int]:
    """Anonymous counts of the hour's appointments that have started: they survive the deletion of personal data."""
    now = now or timezone.now()
    counts = dict(
        Appointment.objects.filter(slot__consultation_hour=hour, slot__starts_at__lte=now)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    attended = counts.get(AppointmentStatus.ATTENDED, 0)
    no_show = counts.get(AppointmentStatus.NO_SHOW, 0)
    marked = attended + no_show
    return {
        "attended": attended,
        "no_show": no_show,
        "unmarked": counts.get(AppointmentStatus.BOOKED, 0),
        "cancelled": counts.get(AppointmentStatus.CANCELLED, 0),
        "no_show_percent": round(100 * no_show / marked) if marked else 0,
    }


def publicly_bookable_hours() -> QuerySet[ConsultationHour]:
    """Hours citizens can book themselves: the provider allows it, the series is active, by appointment, at an
    open location."""
    return (
        ConsultationHour.objects.select_related("location", "provider")
        .filter(
            public_booking=True,
            status=SeriesStatus.ACTIVE,
            booking_mode=BookingMode.APPOINTMENT,
            location__status=LocationStatus.OPEN,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
    )


def free_days(hour: ConsultationHour, *, now=None) -> list[tuple[date, list[FreeSlot]]]:
    """The days within the booking window that still have a bookable slot with a free place, with those slots."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    days: dict[date, list[FreeSlot]] = {}
    for slot in slots_with_places(hour, today, today + timedelta(days=hour.book_ahead_days), now=now):
        if slot.bookable and slot.free > 0:
            days.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    return sorted(days.items())
