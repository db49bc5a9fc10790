"""Reads for consultation hours, scoped to the one who asks."""

from datetime import date
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils import timezone

from ido.appointments import slots as slot_rules
from ido.appointments.models import Appointment, ConsultationHour, SeriesStatus, Slot
from ido.organisations.models import Organisation, OrganisationKind


def consultation_hours_for(actor) -> QuerySet[ConsultationHour]:
    """A library sees the hours at its locations; a provider its own hours, wherever they are."""
    if not actor.has_perm("appointments.view") and not actor.has_perm("appointments.manage_hours"):
        return ConsultationHour.objects.none()
    hours = ConsultationHour.objects.select_related("location", "provider")
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        return hours.filter(Q(location__library=actor.organisation) | Q(provider=actor.organisation))
    return hours.filter(provider=actor.organisation)


def possible_providers(actor) -> QuerySet[Organisation]:
    """Who can hold a consultation hour the actor adds: an active partner organisation, or the actor's own."""
    if not actor.has_perm("appointments.manage_hours"):
        return Organisation.objects.none()
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
    """Only the host location's library and the provider see an appointment (and its personal data)."""
    if not actor.has_perm("appointments.view"):
        return Appointment.objects.none()
    return Appointment.objects.select_related(
        "slot__consultation_hour__location", "slot__consultation_hour__provider"
    ).filter(
        Q(slot__consultation_hour__location__library=actor.organisation)
        | Q(slot__consultation_hour__provider=actor.organisation)
    )
