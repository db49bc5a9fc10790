"""Messages to people about their enrolment: the confirmation, the offer of a freed place, a reminder before each
meeting, a moved meeting and a cancelled session; by e-mail and/or text message, as they gave.

As for appointments, every message is claimed first by writing its CourseNotification row (unique per enrolment
and key) and only then sent: at most once, whatever the worker does. Offers to people without an e-mail address
or mobile number are not sent at all: they are on the session page as phone calls for staff to make."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ido.core import claims, sms
from ido.courses import links
from ido.courses.contact import is_mobile
from ido.courses.models import CourseNotification, Enrolment, EnrolmentStatus, Meeting, SessionStatus

EMAIL, SMS = "email", "sms"


def channels_of(enrolment: Enrolment) -> tuple[str, ...]:
    """The channels a person can be reached by without a person calling: e-mail, and text to a mobile number."""
    found = []
    if enrolment.email:
        found.append(EMAIL)
    if enrolment.phone and is_mobile(enrolment.phone):
        found.append(SMS)
    return tuple(found)


def _claim(enrolment, key: str, channel: str):
    return claims.claim(CourseNotification, enrolment=enrolment, key=key, channel=channel)


def _deliver(notification, send) -> bool:
    return claims.deliver(notification, send)


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
    if enrolment is None or enrolment.status != EnrolmentStatus.OFFERED or enrolment.offered_at is None:
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


def _reminder_key(meeting_id: int, starts_at: datetime) -> str:
    # With the start time: a meeting that moves gets a reminder for its new time too.
    return f"reminder:{meeting_id}:{int(starts_at.timestamp())}"


def reminder_channels(enrolment: Enrolment, starts_at: datetime, hours_before: int) -> tuple[str, ...]:
    """The reminders one person gets before one meeting: one per channel they can be reached by. Someone who
    enrolled within the reminder period gets no e-mail reminder (the confirmation with all the dates has just
    gone out), but a text message still, since nothing else reached the phone."""
    enrolled_at = enrolment.enrolled_at or enrolment.created_at
    enrolled_late = enrolled_at > starts_at - timedelta(hours=hours_before)
    return tuple(channel for channel in channels_of(enrolment) if not (channel == EMAIL and enrolled_late))


def send_reminder(enrolment_id: int, meeting_id: int) -> int:
    """The reminder before one meeting, once per channel."""
    enrolment = _load(enrolment_id)
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        return 0
    meeting = Meeting.objects.filter(pk=meeting_id, session_id=enrolment.session_id).first()
    if meeting is None or enrolment.session.status != SessionStatus.OPEN:
        return 0
    context = _context(
        enrolment,
        meeting_starts=timezone.localtime(meeting.starts_at),
        meeting_ends=timezone.localtime(meeting.ends_at),
    )
    channels = reminder_channels(enrolment, meeting.starts_at, settings.IDO_REMINDER_HOURS_BEFORE)
    return _send(enrolment, _reminder_key(meeting.pk, meeting.starts_at), "reminder", context, channels)


def due_for_reminder(now: datetime | None = None) -> list[tuple[int, int]]:
    """(enrolment, meeting) pairs: meetings of open sessions that start within the reminder period, with the
    enrolled people who are due a reminder by a channel they did not get it by yet (the claim in send_reminder
    settles the rest). People who get no reminder at all (no e-mail address or mobile number) are left out, so
    they are not queued on every run. Three queries, however many meetings."""
    now = now or timezone.now()
    hours = settings.IDO_REMINDER_HOURS_BEFORE
    meetings = list(
        Meeting.objects.filter(
            starts_at__gt=now, starts_at__lte=now + timedelta(hours=hours), session__status=SessionStatus.OPEN
        ).values_list("pk", "session_id", "starts_at")
    )
    if not meetings:
        return []
    people: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in (
        Enrolment.objects.filter(
            session_id__in={session_id for _pk, session_id, _starts in meetings},
            status=EnrolmentStatus.ENROLLED,
            personal_data_deleted_at__isnull=True,
        )
        .exclude(phone="", email="")
        .only("pk", "session_id", "phone", "email", "enrolled_at", "created_at")
    ):
        people[enrolment.session_id].append(enrolment)
    claimed = set(
        CourseNotification.objects.filter(
            enrolment_id__in=[enrolment.pk for group in people.values() for enrolment in group],
            key__startswith="reminder:",
        ).values_list("enrolment_id", "key")
    )
    pairs = []
    for meeting_id, session_id, starts_at in meetings:
        key = _reminder_key(meeting_id, starts_at)
        for enrolment in people[session_id]:
            if any(
                (enrolment.pk, f"{key}:{channel}") not in claimed
                for channel in reminder_channels(enrolment, starts_at, hours)
            ):
                pairs.append((enrolment.pk, meeting_id))
    return pairs
