"""Writes for consultation hours and appointments: typed, atomic, audited. The capacity of a slot is enforced by
the database: one conditional UPDATE raises `booked` only while it is below `capacity` (and a CHECK constraint
backs it up), so concurrent bookings of the last place give exactly one success."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ido.appointments import slots as slot_rules
from ido.appointments import tasks
from ido.appointments.models import (
    Appointment,
    AppointmentStatus,
    BookedBy,
    BookingMode,
    CancelledDate,
    ConsultationHour,
    HostAgreement,
    Notification,
    SeriesStatus,
    Slot,
)
from ido.appointments.selectors import appointments_markable_by, hour_locations_for, may_manage_hour
from ido.core import audit
from ido.locations.models import Location, LocationStatus
from ido.locations.selectors import locations_manageable_by
from ido.organisations.models import Organisation, OrganisationKind
from ido.registrations.models import Topic
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

    @classmethod
    def from_booking_form(cls, data: dict) -> "VisitorDetails":
        """From a booking form (desk or citizen): the consent text shown is stored when the box was ticked."""
        return cls(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            consent_text=consent_text() if data["consent"] else "",
            consent_given=data["consent"],
        )


MAX_NAME_LENGTH = 40


# What the desk reads to the visitor before a phone number or e-mail address is written down (plain Dutch in the
# catalogue). The text shown is stored with the appointment.
def consent_text() -> str:
    return _(
        "We write down your phone number or e-mail address only to remind you of this appointment. Only the "
        "libraries and the organisation involved in your appointment can see it. We delete it %(days)s days after "
        "the appointment. Do you agree?"
    ) % {"days": retention_days()}


def rule_for(hour: ConsultationHour, cancelled_dates: frozenset[date] | None = None) -> slot_rules.SeriesRule:
    """The pure description of a series, for the slot calculations. `cancelled_dates` when the caller read them
    for many hours at once; else they come from the hour (through .all(), so a prefetch saves a query per hour)."""
    if cancelled_dates is None:
        cancelled_dates = frozenset(cancelled.date for cancelled in hour.cancelled_dates.all())
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
        cancelled_dates=cancelled_dates,
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
    if details.phone and mobile_number(details.phone) is None:
        raise ValidationError({"phone": _("This is not a mobile number. A reminder goes by text message.")})
    if details.email:
        try:
            validate_email(details.email.strip())
        except ValidationError:
            raise ValidationError({"email": _("This is not an e-mail address.")}) from None


def mobile_number(raw: str) -> str | None:
    """The number in international form (+316…) when it is a mobile number that can get a text message."""
    try:
        number = phonenumbers.parse(raw.strip(), "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_bookable(hour: ConsultationHour, starts_at: datetime, now: datetime) -> None:
    if hour.status != SeriesStatus.ACTIVE or hour.location.status != LocationStatus.OPEN:
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
    # The series as it is now, locked for the booking: a change or cancellation of the series waits for it (and
    # it for them), so no booking lands in a series that was just cancelled or changed.
    consultation_hour = (
        ConsultationHour.objects.select_for_update().select_related("location").get(pk=consultation_hour.pk)
    )
    if booked_by == BookedBy.CITIZEN and not consultation_hour.public_booking:
        raise ValidationError({"slot": _("This consultation hour cannot be booked online. Ask at the library.")})
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
    # An empty row may stem from before a change of the series: it takes the series' current length and places.
    Slot.objects.filter(pk=slot.pk, booked=0).exclude(ends_at=computed.ends_at, capacity=computed.capacity).update(
        ends_at=computed.ends_at, capacity=computed.capacity
    )
    # The series' current number of places counts too: after it was lowered, a slot keeps the bookings it had
    # but takes no new ones above the new number.
    taken = (
        Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity"))
        .filter(booked__lt=computed.capacity)
        .update(booked=F("booked") + 1)
    )
    if not taken:
        raise ValidationError({"slot": _("This slot is full. Choose another.")})
    slot.refresh_from_db(fields=["ends_at", "capacity", "booked"])
    has_contact = bool(details.phone or details.email)
    appointment = Appointment.objects.create(
        slot=slot,
        name=details.name.strip(),
        phone=(mobile_number(details.phone) or "") if has_contact and details.phone else "",
        email=details.email.strip() if has_contact else "",
        language=(get_language() or settings.LANGUAGE_CODE)[:10],
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
    if appointment.email:
        transaction.on_commit(lambda: tasks.send_confirmation.enqueue(appointment.pk))
    return appointment


@transaction.atomic
def cancel(*, actor, appointment: Appointment, by_link: bool = False, now: datetime | None = None) -> Appointment:
    """Cancel a booked appointment; its place is free again at once. `by_link`: the visitor used the signed link
    (no actor); anyone else needs the right to book."""
    now = now or timezone.now()
    if not by_link and (actor is None or not actor.has_perm("appointments.book")):
        raise PermissionDenied
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
        detail={"by": "link" if by_link else "staff"},
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
    Notification.objects.filter(appointment__personal_data_deleted_at=now).exclude(failure="").update(failure="")
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
    topics: tuple[Topic, ...] = ()


@transaction.atomic
def create_consultation_hour(*, actor, location: Location, data: ConsultationHourInput) -> ConsultationHour:
    """A coordinator adds a consultation hour at one of their library's locations (their own or a partner's); a
    partner adds its own hours at a location whose library agreed to host them."""
    if not actor.has_perm("appointments.manage_hours"):
        raise PermissionDenied
    if not hour_locations_for(actor).filter(pk=location.pk).exists():
        raise PermissionDenied
    if actor.organisation.kind != OrganisationKind.LIBRARY and data.provider.pk != actor.organisation.pk:
        raise PermissionDenied
    rule = rule_from_input(data, frozenset())
    _raise_problems(rule)
    hour = ConsultationHour.objects.create(
        location=location,
        weekdays=",".join(str(day) for day in data.weekdays),
        **{name: getattr(data, name) for name in HOUR_FIELDS},
    )
    hour.topics.set(data.topics)
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
    if not appointments_markable_by(actor).filter(pk=appointment.pk).exists():
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


# --- Changing and cancelling a series that has bookings -----------------------------------------------------------


@dataclass(frozen=True)
class ChangeResult:
    """What a change did to the bookings: which appointments were cancelled, and how many visitors could be told
    (the others gave no phone number or e-mail address: the desk should expect or call them)."""

    cancelled: tuple[Appointment, ...] = ()

    @property
    def without_contact(self) -> tuple[Appointment, ...]:
        return tuple(appointment for appointment in self.cancelled if not (appointment.phone or appointment.email))


def _may_manage(actor, hour: ConsultationHour, location: Location | None = None) -> None:
    if not actor.has_perm("appointments.manage_hours") or not may_manage_hour(actor, hour):
        raise PermissionDenied
    if location is not None and not hour_locations_for(actor).filter(pk=location.pk).exists():
        raise PermissionDenied


def future_bookings(hour: ConsultationHour, now: datetime | None = None):
    now = now or timezone.now()
    return (
        Appointment.objects.select_related("slot")
        .filter(slot__consultation_hour=hour, status=AppointmentStatus.BOOKED, slot__starts_at__gt=now)
        .order_by("slot__starts_at", "pk")
    )


def bookings_affected_by_change(
    hour: ConsultationHour, *, location: Location, rule: slot_rules.SeriesRule, now: datetime | None = None
) -> list[Appointment]:
    """The future appointments a change would drop: at another place, or at a time the new rule has no slot for."""
    now = now or timezone.now()
    bookings = list(future_bookings(hour, now))
    if not bookings:
        return []
    if location.pk != hour.location_id:
        return bookings
    first = timezone.localtime(bookings[0].slot.starts_at).date()
    last = timezone.localtime(bookings[-1].slot.starts_at).date()
    kept = {(slot.starts_at, slot.ends_at) for slot in slot_rules.generate_slots(rule, first, last)}
    return [booking for booking in bookings if (booking.slot.starts_at, booking.slot.ends_at) not in kept]


def bookings_on(hour: ConsultationHour, day: date, *, now: datetime | None = None) -> list[Appointment]:
    now = now or timezone.now()
    return [b for b in future_bookings(hour, now) if timezone.localtime(b.slot.starts_at).date() == day]


def _cancel_by_organisation(*, actor, appointments, reason: str, now: datetime) -> tuple[Appointment, ...]:
    """Cancel appointments because the consultation hour changed; free their places and tell the visitors."""
    cancelled = []
    locked_rows = (
        Appointment.objects.select_for_update()
        .select_related("slot__consultation_hour__location")
        .filter(pk__in=[appointment.pk for appointment in appointments], status=AppointmentStatus.BOOKED)
        .order_by("pk")
    )
    for locked in locked_rows:
        locked.status = AppointmentStatus.CANCELLED
        locked.status_changed_at = now
        locked.save(update_fields=["status", "status_changed_at"])
        Slot.objects.filter(pk=locked.slot_id, booked__gt=0).update(booked=F("booked") - 1)
        audit.record(
            actor=actor.user,
            organisation=actor.organisation,
            action="appointments.appointment.cancelled",
            target=locked,
            detail={"by": "organisation", "reason": reason},
        )
        if locked.phone or locked.email:
            transaction.on_commit(
                lambda pk=locked.pk: tasks.send_cancellation_notice.enqueue(pk, reason)  # type: ignore[misc]
            )
        cancelled.append(locked)
    return tuple(cancelled)


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if any(True for _finding in find_personal_data(reason)):
        raise ValidationError({"reason": _("The reason goes to the visitors: no names, numbers or addresses.")})
    return reason


def _confirm_needed(affected: list[Appointment], confirmed: frozenset[int]) -> None:
    """The coordinator confirms exactly the appointments they were shown: if the change would now drop others
    (another date chosen, a booking made meanwhile), they see the new list first."""
    if affected and {appointment.pk for appointment in affected} != set(confirmed):
        raise ValidationError(
            {
                "confirmed": _(
                    "%(count)s booked appointments cannot go ahead after this change. Confirm to cancel them and "
                    "tell the visitors."
                )
                % {"count": len(affected)}
            }
        )


def rule_from_input(data: ConsultationHourInput, cancelled_dates: frozenset[date]) -> slot_rules.SeriesRule:
    return slot_rules.SeriesRule(
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
        cancelled_dates=cancelled_dates,
    )


def _raise_problems(rule: slot_rules.SeriesRule) -> None:
    problems = slot_rules.problems_by_field(rule)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(str(problem.message))
        raise ValidationError(errors)


@transaction.atomic
def update_consultation_hour(
    *,
    actor,
    hour: ConsultationHour,
    location: Location,
    data: ConsultationHourInput,
    reason: str = "",
    confirmed: frozenset[int] = frozenset(),
    now: datetime | None = None,
) -> ChangeResult:
    """Change a series. Booked appointments that keep their place and time stay; the others are cancelled and the
    visitors told — only when the coordinator confirmed it, after seeing which ones. Fewer places per slot never
    removes a booking: the slots already booked keep their bookings and take no new ones above the new number."""
    now = now or timezone.now()
    _may_manage(actor, hour, location)
    if actor.organisation.kind != OrganisationKind.LIBRARY and data.provider.pk != actor.organisation.pk:
        raise PermissionDenied
    hour = ConsultationHour.objects.select_for_update().get(pk=hour.pk)
    reason = _check_reason(reason)
    rule = rule_from_input(data, frozenset(hour.cancelled_dates.values_list("date", flat=True)))
    _raise_problems(rule)
    affected = bookings_affected_by_change(hour, location=location, rule=rule, now=now)
    _confirm_needed(affected, confirmed)
    before = {name: str(getattr(hour, name)) for name in HOUR_FIELDS}
    for name in HOUR_FIELDS:
        setattr(hour, name, getattr(data, name))
    hour.location = location
    hour.weekdays = ",".join(str(day) for day in data.weekdays)
    hour.save()
    hour.topics.set(data.topics)
    cancelled = _cancel_by_organisation(actor=actor, appointments=affected, reason=reason, now=now)
    Slot.objects.filter(consultation_hour=hour, starts_at__gt=now).update(
        capacity=Greatest(Value(data.capacity), F("booked"))
    )
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.consultation_hour.changed",
        target=hour,
        detail={
            "rrule": slot_rules.to_rrule_string(rule),
            "before": before,
            "cancelled_appointments": len(cancelled),
        },
    )
    return ChangeResult(cancelled=cancelled)


@transaction.atomic
def cancel_date(
    *,
    actor,
    hour: ConsultationHour,
    day: date,
    reason: str = "",
    confirmed: frozenset[int] = frozenset(),
    now: datetime | None = None,
) -> ChangeResult:
    """The series does not take place on one date (illness, a closed building). Bookings on it are cancelled and
    the visitors told, once confirmed."""
    now = now or timezone.now()
    _may_manage(actor, hour)
    hour = ConsultationHour.objects.select_for_update().get(pk=hour.pk)
    if hour.status == SeriesStatus.CANCELLED:
        raise ValidationError({"date": _("This consultation hour has already been cancelled.")})
    if hour.cancelled_dates.filter(date=day).exists():
        raise ValidationError({"date": _("This date has already been cancelled.")})
    if day < timezone.localtime(now).date():
        raise ValidationError({"date": _("This date is in the past.")})
    if not slot_rules.occurrence_dates(rule_for(hour), day, day):
        raise ValidationError({"date": _("The consultation hour does not take place on this date.")})
    reason = _check_reason(reason)
    affected = bookings_on(hour, day, now=now)
    _confirm_needed(affected, confirmed)
    CancelledDate.objects.create(consultation_hour=hour, date=day, reason=reason)
    cancelled = _cancel_by_organisation(actor=actor, appointments=affected, reason=reason, now=now)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.consultation_hour.date_cancelled",
        target=hour,
        detail={"date": day.isoformat(), "cancelled_appointments": len(cancelled)},
    )
    return ChangeResult(cancelled=cancelled)


@transaction.atomic
def cancel_series(
    *,
    actor,
    hour: ConsultationHour,
    reason: str = "",
    confirmed: frozenset[int] = frozenset(),
    now: datetime | None = None,
) -> ChangeResult:
    """Stop a series altogether. It stays in the list (and its figures) as cancelled; its future bookings are
    cancelled and the visitors told, once confirmed."""
    now = now or timezone.now()
    _may_manage(actor, hour)
    hour = ConsultationHour.objects.select_for_update().get(pk=hour.pk)
    if hour.status == SeriesStatus.CANCELLED:
        raise ValidationError({"status": _("This consultation hour has already been cancelled.")})
    reason = _check_reason(reason)
    affected = list(future_bookings(hour, now))
    _confirm_needed(affected, confirmed)
    hour.status = SeriesStatus.CANCELLED
    hour.save(update_fields=["status"])
    cancelled = _cancel_by_organisation(actor=actor, appointments=affected, reason=reason, now=now)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.consultation_hour.cancelled",
        target=hour,
        detail={"reason": reason, "cancelled_appointments": len(cancelled)},
    )
    return ChangeResult(cancelled=cancelled)


# --- Hosting partners' own consultation hours ------------------------------------------------------------------


@transaction.atomic
def agree_to_host(*, actor, location: Location, provider: Organisation) -> HostAgreement:
    """The coordinator lets a partner add its own consultation hours at one of the library's locations."""
    if not actor.has_perm("appointments.host") or not locations_manageable_by(actor).filter(pk=location.pk).exists():
        raise PermissionDenied
    if provider.kind != OrganisationKind.PARTNER or not provider.is_active:
        raise ValidationError({"provider": _("Only an active partner organisation can hold its own hours here.")})
    agreement, created = HostAgreement.objects.get_or_create(
        location=location, provider=provider, defaults={"agreed_by": actor.user}
    )
    if not created:
        raise ValidationError({"provider": _("This partner may already add its hours at this location.")})
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.host_agreement.created",
        target=agreement,
        detail={"location": location.pk, "provider": provider.pk},
    )
    return agreement


@transaction.atomic
def end_hosting(*, actor, agreement: HostAgreement) -> None:
    """The partner can no longer add or change hours here; the hours it has stay, managed by the library."""
    if not actor.has_perm("appointments.host"):
        raise PermissionDenied
    if not locations_manageable_by(actor).filter(pk=agreement.location_id).exists():
        raise PermissionDenied
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="appointments.host_agreement.ended",
        target=agreement,
        detail={"location": agreement.location_id, "provider": agreement.provider_id},
    )
    agreement.delete()
