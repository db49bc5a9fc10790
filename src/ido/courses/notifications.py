"""Messages to people about their enrolment: the confirmation, the offer of a freed place, a reminder before each
meeting, a moved meeting and a cancelled session; by e-mail and/or text message, as they gave.

As for appointments, every message is claimed first by writing its CourseNotification row (unique per enrolment
and key) and only then sent: at most once, whatever the worker does. Offers to people without an e-mail address
or mobile number are not sent at all: they are on the session page as phone calls for staff to make."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ido.core import sms
from ido.courses import links
from ido.courses.contact import is_mobile
from ido.courses.models import CourseNotification, Enrolment, EnrolmentStatus, Meeting

logger = logging.getLogger(__name__)

EMAIL, SMS = "email", "sms"


def channels_of(enrolment: Enrolment) -> tuple[str, ...]:
    """The channels a person can be reached by without a person calling: e-mail, and text to a mobile number."""
    found = []
    if enrolment.email:
        found.append(EMAIL)
    if enrolment.phone and is_mobile(enrolment.phone):
        found.append(SMS)
    return tuple(found)


def _claim(enrolment: Enrolment, key: str, channel: str) -> CourseNotification | None:
    try:
        with transaction.atomic():
            return CourseNotification.objects.create(
                enrolment=enrolment, key=key, channel=channel, claimed_at=timezone.now()
            )
    except IntegrityError:  # claimed before: by an earlier run, a retry or another worker
        return None


def _deliver(notification: CourseNotification, send) -> bool:
    try:
        send()
    except Exception as error:  # a failing mail server or gateway is recorded, never retried blindly
        notification.failure = type(error).__name__[:200]
        logger.warning("Course message %s (%s) failed: %s", notification.pk, notification.key, type(error).__name__)
        notification.save(update_fields=["failure"])
        return False
    notification.sent_at = timezone.now()
    notification.save(update_fields=["sent_at"])
    return True


def _load(enrolment_id: int) -> Enrolment | None:
    return (
        Enrolment.objects.select_related("session__course__provider", "session__location")
        .filter(pk=enrolment_id, personal_data_deleted_at__isnull=True)
        .first()
    )


def _context(enrolment: Enrolment, **extra) -> dict:
    session = enrolment.session
    return {
        "enrolment": enrolment,
        "session": session,
        "course": session.course,
        "location": session.location,
        "meetings": [
            (timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at))
            for meeting in session.meetings.all()
        ],
        "link": links.enrolment_url(enrolment),
        "expires_at": timezone.localtime(enrolment.offer_expires_at) if enrolment.offer_expires_at else None,
        **extra,
    }


def _send(enrolment: Enrolment, key: str, template: str, context: dict, channels: tuple[str, ...]) -> int:
    """One message by each channel, each claimed under `key:channel`. Returns the number sent."""
    sent = 0
    with translation.override(enrolment.language):
        for channel in channels:
            notification = _claim(enrolment, f"{key}:{channel}", channel)
            if notification is None:
                continue
            if channel == EMAIL:
                message = EmailMessage(
                    subject=render_to_string(f"courses/email/{template}_subject.txt", context).strip(),
                    body=render_to_string(f"courses/email/{template}.txt", context),
                    to=[enrolment.email],
                )
                sent += _deliver(notification, message.send)
            else:
                text = render_to_string(f"courses/sms/{template}.txt", context).strip()
                sent += _deliver(notification, lambda text=text: sms.send_sms(enrolment.phone, text))
    return sent


def send_confirmation(enrolment_id: int) -> int:
    """Enrolled, or on the waitlist: by e-mail (the dates and the link); a text message only confirms the place
    on the waitlist, since the dates come in the reminders."""
    enrolment = _load(enrolment_id)
    if enrolment is None:
        return 0
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return _send(
            enrolment,
            "enrolled",
            "enrolled",
            _context(enrolment),
            tuple(c for c in channels_of(enrolment) if c == EMAIL),
        )
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        return _send(enrolment, "waitlisted", "waitlisted", _context(enrolment), channels_of(enrolment))
    return 0


def send_offer(enrolment_id: int) -> int:
    """A freed place for the person: accept it by the link before it expires."""
    enrolment = _load(enrolment_id)
    if enrolment is None or enrolment.status != EnrolmentStatus.OFFERED:
        return 0
    # One offer per time it was made (a person could in theory be offered twice after a reorder).
    key = f"offer:{int(enrolment.offered_at.timestamp())}"
    return _send(enrolment, key, "offer", _context(enrolment), channels_of(enrolment))


def send_rescheduled(meeting_id: int, reason: str) -> int:
    """A meeting moved: everyone enrolled or offered a place is told, by every channel."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    sent = 0
    key = f"moved:{meeting.pk}:{int(meeting.starts_at.timestamp())}"
    for enrolment in meeting.session.enrolments.filter(
        status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED], personal_data_deleted_at__isnull=True
    ).select_related("session__course__provider", "session__location"):
        context = _context(
            enrolment,
            meeting_starts=timezone.localtime(meeting.starts_at),
            meeting_ends=timezone.localtime(meeting.ends_at),
            reason=reason,
        )
        sent += _send(enrolment, key, "rescheduled", context, channels_of(enrolment))
    return sent


def send_session_cancelled(enrolment_id: int, reason: str) -> int:
    enrolment = _load(enrolment_id)
    if enrolment is None or enrolment.status != EnrolmentStatus.CANCELLED:
        return 0
    return _send(
        enrolment, "session_cancelled", "session_cancelled", _context(enrolment, reason=reason), channels_of(enrolment)
    )


def send_reminder(enrolment_id: int, meeting_id: int) -> int:
    """The reminder before one meeting, once per channel."""
    enrolment = _load(enrolment_id)
    meeting = Meeting.objects.filter(pk=meeting_id, session_id=getattr(enrolment, "session_id", None)).first()
    if enrolment is None or meeting is None or enrolment.status != EnrolmentStatus.ENROLLED:
        return 0
    context = _context(
        enrolment,
        meeting_starts=timezone.localtime(meeting.starts_at),
        meeting_ends=timezone.localtime(meeting.ends_at),
    )
    return _send(enrolment, f"reminder:{meeting.pk}", "reminder", context, channels_of(enrolment))


def due_for_reminder(now: datetime | None = None) -> list[tuple[int, int]]:
    """(enrolment, meeting) pairs: meetings that start within the reminder period, with enrolled people who gave
    a way to reach them and did not get this reminder yet (the claim settles the rest)."""
    now = now or timezone.now()
    window = now + timedelta(hours=settings.IDO_REMINDER_HOURS_BEFORE)
    pairs = []
    for meeting in Meeting.objects.filter(starts_at__gt=now, starts_at__lte=window, session__status="open").only(
        "pk", "session_id"
    ):
        reminded = set(
            CourseNotification.objects.filter(key__startswith=f"reminder:{meeting.pk}:").values_list(
                "enrolment_id", flat=True
            )
        )
        for enrolment_id in (
            Enrolment.objects.filter(
                session_id=meeting.session_id,
                status=EnrolmentStatus.ENROLLED,
                personal_data_deleted_at__isnull=True,
            )
            .exclude(phone="", email="")
            .values_list("pk", flat=True)
        ):
            if enrolment_id not in reminded:
                pairs.append((enrolment_id, meeting.pk))
    return pairs
