"""Writes for consultation hours and appointments: typed, atomic, audited. The capacity of a slot is enforced by
the database: one conditional UPDATE raises `booked` only while it is below `capacity` (and a CHECK constraint
backs it up), so concurrent bookings of the last place give exactly one success."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ido.appointments import slots as slot_rules
from ido.appointments.models import (
    Appointment,
    AppointmentStatus,
    BookedBy,
    BookingMode,
    ConsultationHour,
    SeriesStatus,
    Slot,
)
from ido.core import audit
from ido.locations.models import Location
from ido.locations.selectors import locations_manageable_by
from ido.organisations.models import Organisation
from ido.registrations.personal_data import find_personal_data


@dataclass(frozen=True)
class VisitorDetails:
    """What the desk may record for an appointment: a first name or initials; a phone number or e-mail address
    only when the visitor wants a reminder, and then only with consent."""

    name: str
    phone: str = ""
    email: str = ""
    consent_text: str = ""
    consent_given: bool = False


MAX_NAME_LENGTH = 40

# What the desk reads to the visitor before a phone number or e-mail address is written down (plain Dutch in the
# catalogue). The text shown is stored with the appointment.
CONSENT_TEXT = gettext_lazy(
    "We write down your phone number or e-mail address only to remind you of this appointment. Only the library "
    "and the organisation you have the appointment with can see it. We delete it 30 days after the appointment. "
    "Do you agree?"
)


def rule_for(hour: ConsultationHour) -> slot_rules.SeriesRule:
    """The pure description of a series, for the slot calculations."""
    return slot_rules.SeriesRule(
        starts_on=hour.starts_on,
        ends_on=hour.ends_on,
        frequency=hour.frequency,
        weekdays=tuple(int(day) for day in hour.weekdays.split(",") if day.strip()),
        nth=hour.nth,
        start_time=hour.start_time,
        end_time=hour.end_time,
        slot_minutes=hour.slot_minutes,
        capacity=hour.capacity,
        skip_public_holidays=hour.skip_public_holidays,
        cancelled_dates=frozenset(hour.cancelled_dates.values_list("date", flat=True)),
    )


def _the_slot(hour: ConsultationHour, starts_at: datetime) -> slot_rules.Slot:
    """The computed slot of this series that starts at `starts_at`, or a clear refusal."""
    day = timezone.localtime(starts_at).date()
    for slot in slot_rules.generate_slots(rule_for(hour), day, day):
        if slot.starts_at == starts_at:
            return slot
    raise ValidationError({"slot": _("This consultation hour has no slot at that time.")})


def _check_details(details: VisitorDetails) -> None:
    name = details.name.strip()
    if not name:
        raise ValidationError({"name": _("Give a first name or initials, so the provider knows whom to expect.")})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": _("A first name or initials is enough.")})
    if any(True for _finding in find_personal_data(name)):
        raise ValidationError({"name": _("Only a first name or initials: no numbers or addresses.")})
    if (details.phone or details.email) and not details.consent_given:
        raise ValidationError(
            {"consent": _("A phone number or e-mail address is only kept when the visitor agrees to it.")}
        )


def _check_bookable(hour: ConsultationHour, starts_at: datetime, now: datetime) -> None:
    if hour.status != SeriesStatus.ACTIVE:
        raise ValidationError({"slot": _("This consultation hour has been cancelled.")})
    if hour.booking_mode == BookingMode.WALK_IN:
        raise ValidationError({"slot": _("This consultation hour is walk-in only: no appointment needed.")})
    if starts_at <= now:
        raise ValidationError({"slot": _("This slot is in the past. Choose another.")})
    if not slot_rules.bookable(
        starts_at, now=now, book_ahead_days=hour.book_ahead_days, book_until_minutes=hour.book_until_minutes
    ):
        raise ValidationError({"slot": _("This slot cannot be booked now: it is outside the booking window.")})


@transaction.atomic
def book(
    *,
    actor,
    consultation_hour: ConsultationHour,
    starts_at: datetime,
    details: VisitorDetails,
    booked_by: str = BookedBy.DESK,
    now: datetime | None = None,
) -> Appointment:
    """Book a place in a slot for a visitor. Refuses a slot in the past, outside the booking window, or full."""
    now = now or timezone.now()
    if booked_by != BookedBy.CITIZEN and (actor is None or not actor.has_perm("appointments.book")):
        raise PermissionDenied
    _check_details(details)
    _check_bookable(consultation_hour, starts_at, now)
    computed = _the_slot(consultation_hour, starts_at)
    try:
        with transaction.atomic():
            slot, _created = Slot.objects.get_or_create(
                consultation_hour=consultation_hour,
                starts_at=computed.starts_at,
                defaults={"ends_at": computed.ends_at, "capacity": computed.capacity},
            )
    except IntegrityError:  # another booking created the row at the same moment
        slot = Slot.objects.get(consultation_hour=consultation_hour, starts_at=computed.starts_at)
    # The one statement that decides: it raises `booked` only while a place is free.
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise ValidationError({"slot": _("This slot is full. Choose another.")})
    has_contact = bool(details.phone or details.email)
    appointment = Appointment.objects.create(
        slot=slot,
        name=details.name.strip(),
        phone=details.phone.strip() if has_contact else "",
        email=details.email.strip() if has_contact else "",
        consent_text=details.consent_text if has_contact else "",
        consent_given_at=now if has_contact else None,
        booked_by=booked_by,
        booked_by_user=getattr(actor, "user", None),
        booking_organisation=getattr(actor, "organisation", None),
    )
    audit.record(
        actor=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        action="appointments.appointment.booked",
        target=appointment,
        detail={"consultation_hour": consultation_hour.pk, "starts_at": starts_at.isoformat()},
    )
    return appointment


@transaction.atomic
def cancel(*, actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """Cancel a booked appointment; its place is free again at once."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().select_related("slot").get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": _("This appointment is not booked any more.")})
    if appointment.slot.starts_at <= now:
        raise ValidationError({"status": _("This appointment has already started; it cannot be cancelled.")})
    appointment.status = AppointmentStatus.CANCELLED
    appointment.status_changed_at = now
    appointment.save(update_fields=["status", "status_changed_at"])
    Slot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    audit.record(
        actor=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        action="appointments.appointment.cancelled",
        target=appointment,
    )
    return appointment


def retention_days() -> int:
    return int(getattr(settings, "IDO_APPOINTMENT_RETENTION_DAYS", 30))


@transaction.atomic
def delete_expired_personal_data(*, now: datetime | None = None) -> int:
    """Remove the name and contact details of appointments that ended more than the retention period ago. The
    appointment itself (status and times, no person) stays for the figures. Returns how many were cleared."""
    now = now or timezone.now()
    cut_off = now - timedelta(days=retention_days())
    expired = Appointment.objects.filter(slot__ends_at__lt=cut_off, personal_data_deleted_at__isnull=True)
    count = expired.update(name="", phone="", email="", consent_text="", personal_data_deleted_at=now)
    if count:
        audit.record(
            actor=None,
            action="appointments.personal_data.deleted",
            detail={"appointments": count, "retention_days": retention_days()},
        )
    return count


@dataclass(frozen=True)
class ConsultationHourInput:
    provider: Organisation
    title: str
    frequency: str
    weekdays: tuple[int, ...]
    starts_on: date
    start_time: time
    end_time: time
    slot_minutes: int = 20
    capacity: int = 1
    nth: int | None = None
    ends_on: date | None = None
    description: str = ""
    what_to_bring: str = ""
    book_ahead_days: int = 28
    book_until_minutes: int = 60
    booking_mode: str = BookingMode.APPOINTMENT
    public_booking: bool = False
    skip_public_holidays: bool = True


@transaction.atomic
def create_consultation_hour(*, actor, location: Location, data: ConsultationHourInput) -> ConsultationHour:
    """A coordinator adds a consultation hour at one of their library's locations (their own or a partner's)."""
    if not actor.has_perm("appointments.manage_hours"):
        raise PermissionDenied
    if not locations_manageable_by(actor).filter(pk=location.pk).exists():
        raise PermissionDenied
    rule = slot_rules.SeriesRule(
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        frequency=data.frequency,
        weekdays=data.weekdays,
        nth=data.nth,
        start_time=data.start_time,
        end_time=data.end_time,
        slot_minutes=data.slot_minutes,
        capacity=data.capacity,
        skip_public_holidays=data.skip_public_holidays,
    )
    problems = slot_rules.problems_by_field(rule)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(str(problem.message))
        raise ValidationError(errors)
    hour = ConsultationHour.objects.create(
        location=location,
        weekdays=",".join(str(day) for day in data.weekdays),
        **{name: getattr(data, name) for name in HOUR_FIELDS},
    )
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.consultation_hour.created",
        target=hour,
        detail={"rrule": slot_rules.to_rrule_string(rule), "provider": data.provider.pk},
    )
    return hour


HOUR_FIELDS = (
    "provider",
    "title",
    "frequency",
    "nth",
    "starts_on",
    "ends_on",
    "start_time",
    "end_time",
    "slot_minutes",
    "capacity",
    "description",
    "what_to_bring",
    "book_ahead_days",
    "book_until_minutes",
    "booking_mode",
    "public_booking",
    "skip_public_holidays",
)


def read_appointment(*, actor, appointment: Appointment) -> Appointment:
    """Personal data of an appointment is read through here, so every reading is in the audit trail."""
    if appointment.personal_data_deleted_at is None:
        audit.record(
            actor=getattr(actor, "user", None),
            organisation=getattr(actor, "organisation", None),
            action="appointments.appointment.read",
            target=appointment,
        )
    return appointment


MARKABLE = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)


@transaction.atomic
def mark_attendance(*, actor, appointment: Appointment, attended: bool, now: datetime | None = None) -> Appointment:
    """The provider (or the host library) marks whether the visitor came, once the slot has started. A mistake
    can be put right by marking again; a cancelled appointment cannot be marked."""
    now = now or timezone.now()
    if not actor.has_perm("appointments.mark"):
        raise PermissionDenied
    appointment = Appointment.objects.select_for_update().select_related("slot").get(pk=appointment.pk)
    if appointment.status not in MARKABLE:
        raise ValidationError({"status": _("This appointment was cancelled.")})
    if appointment.slot.starts_at > now:
        raise ValidationError({"status": _("The appointment has not started yet.")})
    appointment.status = AppointmentStatus.ATTENDED if attended else AppointmentStatus.NO_SHOW
    appointment.status_changed_at = now
    appointment.save(update_fields=["status", "status_changed_at"])
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.appointment.marked",
        target=appointment,
        detail={"status": appointment.status},
    )
    return appointment
