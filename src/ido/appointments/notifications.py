"""Messages to visitors about their appointment: the confirmation (e-mail with an ICS file and the cancel link),
the reminder (e-mail and/or text message) and the notice that an appointment was cancelled by the organisation.

Every message is claimed first by writing its Notification row (unique per appointment and key) and only then
sent: a message goes out at most once, whatever the worker does (restart, retry, two workers). A crash between
the claim and the hand-over leaves a claimed row without `sent_at`, visible to staff, and no second message."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ido.appointments import calendars, cancel_links
from ido.appointments.models import Appointment, AppointmentStatus, Channel, Notification
from ido.core import claims, sms


def reminder_channels(
    *, has_email: bool, has_phone: bool, booked_at: datetime, starts_at: datetime, hours_before: int
) -> tuple[str, ...]:
    """Which reminders an appointment gets. One per channel the visitor gave. A booking made within the reminder
    period gets no e-mail reminder (the confirmation e-mail has just gone out), but a text message still, since
    nothing else reached the phone."""
    channels = []
    booked_late = booked_at > starts_at - timedelta(hours=hours_before)
    if has_email and not booked_late:
        channels.append(Channel.EMAIL)
    if has_phone:
        channels.append(Channel.SMS)
    return tuple(channels)


def _claim(appointment, key: str, channel: str):
    return claims.claim(Notification, appointment=appointment, key=key, channel=channel)


def _deliver(notification, send) -> bool:
    return claims.deliver(notification, send)


def _context(appointment: Appointment) -> dict:
    hour = appointment.slot.consultation_hour
    return {
        "appointment": appointment,
        "hour": hour,
        "location": hour.location,
        "starts_at": timezone.localtime(appointment.slot.starts_at),
        "ends_at": timezone.localtime(appointment.slot.ends_at),
        "cancel_url": cancel_links.cancel_url(appointment),
    }


def _email(appointment: Appointment, template: str, context: dict, *, with_calendar: bool) -> EmailMessage:
    message = EmailMessage(
        subject=render_to_string(f"appointments/email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"appointments/email/{template}.txt", context),
        to=[appointment.email],
    )
    if with_calendar:
        message.attach("afspraak.ics", calendars.appointment_ics(appointment), "text/calendar")
    return message


def _load(appointment_id: int) -> Appointment | None:
    return (
        Appointment.objects.select_related("slot__consultation_hour__location", "slot__consultation_hour__provider")
        .filter(pk=appointment_id, personal_data_deleted_at__isnull=True)
        .first()
    )


def send_confirmation(appointment_id: int) -> int:
    """The confirmation e-mail with the appointment as an ICS file and the cancel link. Returns messages sent."""
    appointment = _load(appointment_id)
    if appointment is None or not appointment.email or appointment.status != AppointmentStatus.BOOKED:
        return 0
    notification = _claim(appointment, "confirmation:email", Channel.EMAIL)
    if notification is None:
        return 0
    with translation.override(appointment.language):
        message = _email(appointment, "confirmation", _context(appointment), with_calendar=True)
    return int(_deliver(notification, message.send))


def send_reminder(appointment_id: int) -> int:
    """The reminder before the appointment, once per channel. Returns messages sent."""
    appointment = _load(appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        return 0
    channels = reminder_channels(
        has_email=bool(appointment.email),
        has_phone=bool(appointment.phone),
        booked_at=appointment.created_at,
        starts_at=appointment.slot.starts_at,
        hours_before=settings.IDO_REMINDER_HOURS_BEFORE,
    )
    sent = 0
    with translation.override(appointment.language):
        context = _context(appointment)
        for channel in channels:
            notification = _claim(appointment, f"reminder:{channel}", channel)
            if notification is None:
                continue
            if channel == Channel.EMAIL:
                message = _email(appointment, "reminder", context, with_calendar=False)
                sent += _deliver(notification, message.send)
            else:
                text = render_to_string("appointments/sms/reminder.txt", context).strip()
                sent += _deliver(notification, lambda text=text: sms.send_sms(appointment.phone, text))
    return sent


def send_cancellation_notice(appointment_id: int, reason: str) -> int:
    """Tell the visitor the organisation cancelled the appointment (a cancelled date or series, a changed
    time), by every channel they gave. Returns messages sent."""
    appointment = _load(appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.CANCELLED:
        return 0
    sent = 0
    with translation.override(appointment.language):
        context = {**_context(appointment), "reason": reason}
        if appointment.email:
            notification = _claim(appointment, "cancelled:email", Channel.EMAIL)
            if notification is not None:
                sent += _deliver(notification, _email(appointment, "cancelled", context, with_calendar=False).send)
        if appointment.phone:
            notification = _claim(appointment, "cancelled:sms", Channel.SMS)
            if notification is not None:
                text = render_to_string("appointments/sms/cancelled.txt", context).strip()
                sent += _deliver(notification, lambda: sms.send_sms(appointment.phone, text))
    return sent


def due_for_reminder(now: datetime | None = None) -> list[int]:
    """Booked appointments with contact details that start within the reminder period and are due a reminder
    they have not had (the claim in send_reminder settles the rest). Those that get no reminder at all (only an
    e-mail address, booked within the period) are left out, so they are not queued on every run."""
    now = now or timezone.now()
    hours = settings.IDO_REMINDER_HOURS_BEFORE
    candidates = (
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            personal_data_deleted_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + timedelta(hours=hours),
        )
        .exclude(phone="", email="")
        .exclude(notifications__key__startswith="reminder:")
        .values_list("pk", "phone", "email", "created_at", "slot__starts_at")
    )
    return [
        pk
        for pk, phone, email, created_at, starts_at in candidates
        if reminder_channels(
            has_email=bool(email), has_phone=bool(phone), booked_at=created_at, starts_at=starts_at, hours_before=hours
        )
    ]
