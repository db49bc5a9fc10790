"""Writes of the courses module: typed, atomic, audited.

Every write that touches places or the waitlist first locks the session's row: enrolments, cancellations,
offers, expiries and reorderings of one session happen one after the other, whatever the number of desks, links
and workers acting at once. On top of that the database itself refuses what must never be: more places taken
than the session has (a conditional update), two people at one place on the waitlist (a unique constraint).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ido.core import audit
from ido.courses import rules, selectors, tasks
from ido.courses.contact import phone_number
from ido.courses.models import (
    Attendance,
    Course,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    Meeting,
    Session,
    SessionStatus,
)
from ido.locations.models import Location, LocationStatus
from ido.referrals.services import note_enrolment_from_waitlist, record_enrolment
from ido.registrations.personal_data import find_personal_data

MAX_NAME_LENGTH = 40


def retention_days() -> int:
    return int(getattr(settings, "IDO_COURSE_RETENTION_DAYS", 90))


def consent_text() -> str:
    """What the desk reads to the visitor before a phone number or e-mail address is written down (B1)."""
    return _(
        "We write down your phone number or e-mail address to tell you about this course: the dates, a reminder, "
        "a change, or a free place when you are on the waitlist. Only the library and the course provider can "
        "see it. We delete it %(days)s days after the course. Do you agree?"
    ) % {"days": retention_days()}


# --- Input ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonDetails:
    """What may be recorded for an enrolment: a first name or initials; a phone number or e-mail address only
    with consent (for the dates, reminders and offers)."""

    name: str
    phone: str = ""
    email: str = ""
    consent_given: bool = False

    @classmethod
    def from_form(cls, data: dict) -> "PersonDetails":
        return cls(
            name=data["name"],
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            consent_given=bool(data.get("consent")),
        )


def _checked_details(details: PersonDetails) -> PersonDetails:
    name = details.name.strip()
    if not name:
        raise ValidationError({"name": _("Give a first name or initials, so the teacher knows whom to expect.")})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": _("A first name or initials is enough.")})
    if any(True for _finding in find_personal_data(name)):
        raise ValidationError({"name": _("Only a first name or initials: no numbers or addresses.")})
    phone, email = details.phone.strip(), details.email.strip()
    if (phone or email) and not details.consent_given:
        raise ValidationError(
            {"consent": _("A phone number or e-mail address is only kept when the visitor agrees to it.")}
        )
    if phone:
        phone = phone_number(phone) or ""
        if not phone:
            raise ValidationError({"phone": _("This is not a phone number.")})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("This is not an e-mail address.")}) from None
    return PersonDetails(name=name, phone=phone, email=email, consent_given=details.consent_given)


@dataclass(frozen=True)
class CourseInput:
    title: str
    description: str
    kind: str
    level: str
    language: str
    device: str
    intake_needed: bool = False
    cost: Decimal = Decimal("0")
    meetings_to_complete: int | None = None
    public_enrolment: bool = False
    active: bool = True


COURSE_FIELDS = tuple(CourseInput.__dataclass_fields__)


# --- The catalogue -------------------------------------------------------------------------------------------


def _check_course(data: CourseInput) -> None:
    if not data.title.strip():
        raise ValidationError({"title": _("Give the course a title.")})
    if data.cost < 0:
        raise ValidationError({"cost": _("The cost cannot be negative.")})
    if data.meetings_to_complete is not None and data.meetings_to_complete < 1:
        raise ValidationError({"meetings_to_complete": _("At least one meeting, or leave it empty for all.")})


@transaction.atomic
def create_course(*, actor, data: CourseInput) -> Course:
    """A course of the actor's own organisation (library or partner)."""
    if not actor.has_perm("courses.manage"):
        raise PermissionDenied
    _check_course(data)
    course = Course.objects.create(provider=actor.organisation, **vars(data))
    audit.record(actor=actor.user, organisation=actor.organisation, action="courses.course.created", target=course)
    return course


@transaction.atomic
def update_course(*, actor, course: Course, data: CourseInput) -> Course:
    if not courses_manageable(actor).filter(pk=course.pk).exists():
        raise PermissionDenied
    _check_course(data)
    for name, value in vars(data).items():
        setattr(course, name, value)
    course.save()
    audit.record(actor=actor.user, organisation=actor.organisation, action="courses.course.updated", target=course)
    return course


def courses_manageable(actor):
    return selectors.courses_manageable_by(actor)


# --- Sessions and meetings -------------------------------------------------------------------------------------


def _refresh_dates(session: Session) -> None:
    """The session's first start and last end, from its meetings."""
    first = session.meetings.order_by("starts_at").values_list("starts_at", flat=True).first()
    last = session.meetings.order_by("-ends_at").values_list("ends_at", flat=True).first()
    Session.objects.filter(pk=session.pk).update(starts_at=first, ends_at=last)
    session.starts_at, session.ends_at = first, last


@transaction.atomic
def create_session(
    *,
    actor,
    course: Course,
    location: Location,
    capacity: int,
    meetings: list[tuple[datetime, datetime]],
    teacher: str = "",
    offer_hours: int = 48,
    now: datetime | None = None,
) -> Session:
    """A run of one of the actor's courses at a location it may use, with its meetings (in the future)."""
    now = now or timezone.now()
    if not courses_manageable(actor).filter(pk=course.pk).exists():
        raise PermissionDenied
    if not selectors.session_locations_for(actor).filter(pk=location.pk).exists():
        raise ValidationError({"location": _("You cannot plan a course at this location.")})
    if capacity < 1:
        raise ValidationError({"capacity": _("A session needs at least one place.")})
    if offer_hours < 1:
        raise ValidationError({"offer_hours": _("Give at least one hour to accept a freed place.")})
    if not meetings:
        raise ValidationError({"meetings": _("A session needs at least one meeting.")})
    for starts_at, ends_at in meetings:
        if ends_at <= starts_at:
            raise ValidationError({"meetings": _("A meeting must end after it starts.")})
        if starts_at <= now:
            raise ValidationError({"meetings": _("The meetings must be in the future.")})
    session = Session.objects.create(
        course=course,
        location=location,
        capacity=capacity,
        teacher=teacher.strip(),
        offer_hours=offer_hours,
        created_by=actor.user,
    )
    Meeting.objects.bulk_create(
        [Meeting(session=session, starts_at=starts_at, ends_at=ends_at) for starts_at, ends_at in sorted(meetings)]
    )
    _refresh_dates(session)
    audit.record(actor=actor.user, organisation=actor.organisation, action="courses.session.created", target=session)
    return session


def _locked(session: Session) -> Session:
    """The session row, locked until the end of the transaction (see the module's docstring)."""
    return Session.objects.select_for_update().select_related("course", "location").get(pk=session.pk)


@transaction.atomic
def change_capacity(*, actor, session: Session, capacity: int, now: datetime | None = None) -> Session:
    """More places go to the waitlist at once; fewer never remove anyone already in (the session just takes no
    one new until enough people left)."""
    if not selectors.sessions_manageable_by(actor).filter(pk=session.pk).exists():
        raise PermissionDenied
    if capacity < 1:
        raise ValidationError({"capacity": _("A session needs at least one place.")})
    session = _locked(session)
    session.capacity = capacity
    session.save(update_fields=["capacity"])
    _offer_freed_places(session, now or timezone.now())
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="courses.session.capacity_changed",
        target=session,
        detail={"capacity": capacity},
    )
    return session


@transaction.atomic
def reschedule_meeting(
    *, actor, meeting: Meeting, starts_at: datetime, ends_at: datetime, reason: str = "", now: datetime | None = None
) -> Meeting:
    """Move a meeting that has not taken place; everyone in the session is told (with the reason)."""
    now = now or timezone.now()
    if not selectors.sessions_manageable_by(actor).filter(pk=meeting.session_id).exists():
        raise PermissionDenied
    session = _locked(meeting.session)
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"starts_at": _("This session is cancelled.")})
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.starts_at <= now:
        raise ValidationError({"starts_at": _("This meeting has already started: it cannot be moved.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A meeting must end after it starts.")})
    if starts_at <= now:
        raise ValidationError({"starts_at": _("Choose a moment in the future.")})
    reason = reason.strip()
    if reason:
        _check_reason(reason)
    old = meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.rescheduled_at = starts_at, ends_at, now
    meeting.save(update_fields=["starts_at", "ends_at", "rescheduled_at"])
    _refresh_dates(session)
    # An offer never stands past the first meeting, also when that meeting moved earlier.
    if session.starts_at is not None:
        session.enrolments.filter(status=EnrolmentStatus.OFFERED, offer_expires_at__gt=session.starts_at).update(
            offer_expires_at=session.starts_at
        )
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="courses.meeting.rescheduled",
        target=session,
        detail={"meeting": meeting.pk, "from": old.isoformat(), "to": starts_at.isoformat()},
    )
    meeting_id = meeting.pk
    transaction.on_commit(lambda: tasks.notify_rescheduled.enqueue(meeting_id, reason))
    return meeting


def _check_reason(reason: str) -> None:
    if any(True for _finding in find_personal_data(reason)):
        raise ValidationError({"reason": _("The reason goes to everyone in the course: leave out names and numbers.")})


@transaction.atomic
def cancel_session(*, actor, session: Session, reason: str = "", now: datetime | None = None) -> Session:
    """Cancel the whole session: every enrolment, offer and waitlist entry ends and the people are told."""
    now = now or timezone.now()
    if not selectors.sessions_manageable_by(actor).filter(pk=session.pk).exists():
        raise PermissionDenied
    session = _locked(session)
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"reason": _("This session is already cancelled.")})
    if session.ends_at is not None and session.ends_at <= now:
        raise ValidationError({"reason": _("This session is over: it can no longer be cancelled.")})
    reason = reason.strip()
    if reason:
        _check_reason(reason)
    told = list(
        session.enrolments.filter(
            status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED, EnrolmentStatus.WAITLISTED]
        ).values_list("pk", flat=True)
    )
    Enrolment.objects.filter(pk__in=told).update(
        status=EnrolmentStatus.CANCELLED, waitlist_position=None, status_changed_at=now
    )
    session.status, session.cancelled_at, session.cancel_reason, session.taken = (
        SessionStatus.CANCELLED,
        now,
        reason,
        0,
    )
    session.save(update_fields=["status", "cancelled_at", "cancel_reason", "taken"])
    audit.record(actor=actor.user, organisation=actor.organisation, action="courses.session.cancelled", target=session)
    transaction.on_commit(lambda: [tasks.notify_session_cancelled.enqueue(pk, reason) for pk in told])
    return session


# --- Enrolment and the waitlist --------------------------------------------------------------------------------

REFUSALS = {
    "cancelled": gettext_lazy("This session is cancelled. Choose another."),
    "no_meetings": gettext_lazy("This session has no meetings yet."),
    "started": gettext_lazy("This session has already started. Choose a later one."),
}


def _refuse_if_closed(session: Session, now: datetime, field: str = "session") -> None:
    refusal = rules.enrolment_refusal(
        cancelled=session.status == SessionStatus.CANCELLED, starts_at=session.starts_at, now=now
    )
    if refusal is not None:
        raise ValidationError({field: str(REFUSALS[refusal])})


def _take(session: Session, places: int) -> bool:
    """The one statement that decides: it raises `taken` only while the places are free."""
    return bool(
        Session.objects.filter(pk=session.pk, taken__lte=F("capacity") - places).update(taken=F("taken") + places)
    )


def _release(session: Session, places: int) -> None:
    Session.objects.filter(pk=session.pk).update(taken=F("taken") - places)


def _close_gap(session: Session, position: int | None) -> None:
    """Someone left the line at `position`: those behind move up one, so the positions stay 1, 2, 3 … (in two
    steps: the unique order must hold after every statement, and rows are not updated in any fixed order)."""
    if position is None:
        return
    behind = session.enrolments.filter(waitlist_position__gt=position)
    behind.update(waitlist_position=F("waitlist_position") + GAP_SHIFT)
    session.enrolments.filter(waitlist_position__gt=GAP_SHIFT).update(
        waitlist_position=F("waitlist_position") - GAP_SHIFT - 1
    )


GAP_SHIFT = 1_000_000  # far above any real waitlist


def _next_position(session: Session) -> int:
    last = session.enrolments.aggregate(last=Max("waitlist_position"))["last"]
    return (last or 0) + 1


@transaction.atomic
def enrol(
    *,
    actor,
    session: Session,
    details: PersonDetails,
    places: int = 1,
    waitlist_if_full: bool = False,
    source: str = EnrolmentSource.DESK,
    question=None,
    referral=None,
    now: datetime | None = None,
) -> Enrolment:
    """Enrol a visitor (with a companion: `places=2`) or, when the session is full and `waitlist_if_full`, put
    them at the end of its waitlist. Refuses a cancelled, started or (without the waitlist) full session."""
    now = now or timezone.now()
    if source != EnrolmentSource.CITIZEN and (actor is None or not actor.has_perm("courses.enrol")):
        raise PermissionDenied
    if places not in (1, 2):
        raise ValidationError({"places": _("One place, or two with a companion.")})
    session = _locked(session)
    if source == EnrolmentSource.CITIZEN and not session.course.public_enrolment:
        raise ValidationError({"session": _("You cannot enrol online for this course. Ask at the library.")})
    if not session.course.active:
        raise ValidationError({"session": _("This course is no longer in the catalogue.")})
    if session.location.status != LocationStatus.OPEN:
        raise ValidationError({"session": _("This location is not open. Choose another session.")})
    _refuse_if_closed(session, now)
    details = _checked_details(details)
    common = {
        "session": session,
        "places": places,
        "source": source,
        "question": question,
        "referral": referral,
        "enrolling_organisation": getattr(actor, "organisation", None),
        "created_by": getattr(actor, "user", None),
        "name": details.name,
        "phone": details.phone,
        "email": details.email,
        "consent_text": consent_text() if details.consent_given and (details.phone or details.email) else "",
        "consent_given_at": now if details.consent_given and (details.phone or details.email) else None,
        "language": get_language() or "nl",
        "status_changed_at": now,
    }
    # Nobody jumps the queue: a free place is offered to the waitlist as soon as it frees, so a place that is
    # free now is one that nobody waiting fits into (a pair waits for two).
    if _take(session, places):
        enrolment = Enrolment.objects.create(status=EnrolmentStatus.ENROLLED, enrolled_at=now, **common)
        action = "courses.enrolment.enrolled"
    elif waitlist_if_full:
        enrolment = Enrolment.objects.create(
            status=EnrolmentStatus.WAITLISTED, waitlist_position=_next_position(session), waitlisted_at=now, **common
        )
        action = "courses.enrolment.waitlisted"
    else:
        raise ValidationError(
            {"session": _("This session is full. Put the visitor on the waitlist, or choose another session.")}
        )
    audit.record(
        actor=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        action=action,
        target=enrolment,
    )
    if referral is not None:
        record_enrolment(
            actor=actor, referral=referral, now=now, waitlisted=enrolment.status == EnrolmentStatus.WAITLISTED
        )
    enrolment_id = enrolment.pk
    transaction.on_commit(lambda: tasks.send_confirmation.enqueue(enrolment_id))
    return enrolment


def _offer_freed_places(session: Session, now: datetime) -> list[int]:
    """Offer free places to the waitlist, in order, while they fit (the session row is locked by the caller).
    Enrolment is closed once the session started: the waitlist then keeps waiting for nothing, and is shown so."""
    if rules.enrolment_refusal(
        cancelled=session.status == SessionStatus.CANCELLED, starts_at=session.starts_at, now=now
    ):
        return []
    offered: list[int] = []
    while True:
        session.refresh_from_db(fields=["taken", "capacity"])
        waiting = [rules.Waiting(pk, places) for pk, places in selectors.waitlist(session).values_list("pk", "places")]
        chosen = rules.next_offer(waiting, session.free)
        if chosen is None or not _take(session, chosen.places):
            return offered
        position = Enrolment.objects.filter(pk=chosen.id).values_list("waitlist_position", flat=True).get()
        Enrolment.objects.filter(pk=chosen.id).update(
            status=EnrolmentStatus.OFFERED,
            waitlist_position=None,
            offered_at=now,
            offer_expires_at=rules.offer_expires_at(
                offered_at=now, hours=session.offer_hours, first_meeting=session.starts_at
            ),
            status_changed_at=now,
        )
        _close_gap(session, position)
        audit.record(actor=None, action="courses.enrolment.offered", target=Enrolment.objects.get(pk=chosen.id))
        offered.append(chosen.id)
        transaction.on_commit(partial(tasks.send_offer.enqueue, chosen.id))


def _may_act_for(actor, enrolment: Enrolment) -> bool:
    """The person themselves (by their link: no actor), or staff who see the enrolment."""
    return actor is None or selectors.enrolments_visible_to(actor).filter(pk=enrolment.pk).exists()


def _move(enrolment: Enrolment, target: str, now: datetime, field: str = "status") -> Enrolment:
    if not rules.may_move(enrolment.status, target):
        raise ValidationError(
            {
                field: _("This is not possible now: the enrolment is “%(current)s”.")
                % {"current": enrolment.get_status_display()}
            }
        )
    enrolment.status, enrolment.status_changed_at = target, now
    return enrolment


@transaction.atomic
def cancel_enrolment(*, actor, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    """The person no longer comes (or leaves the waitlist): a held place goes to the first on the waitlist."""
    now = now or timezone.now()
    if not _may_act_for(actor, enrolment):
        raise PermissionDenied
    session = _locked(enrolment.session)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    held = enrolment.holds_places
    position = enrolment.waitlist_position
    target = (
        EnrolmentStatus.LEFT_WAITLIST if enrolment.status == EnrolmentStatus.WAITLISTED else EnrolmentStatus.CANCELLED
    )
    _move(enrolment, target, now)
    enrolment.waitlist_position = None
    enrolment.save(update_fields=["status", "status_changed_at", "waitlist_position"])
    _close_gap(session, position)
    if held:
        _release(session, enrolment.places)
        _offer_freed_places(session, now)
    audit.record(
        actor=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        action=f"courses.enrolment.{target}",
        target=enrolment,
    )
    return enrolment


@transaction.atomic
def accept_offer(*, actor, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    """The person takes the offered place (by their link, or staff after a phone call). Too late is refused and
    changes nothing: the expiry hands the place on."""
    now = now or timezone.now()
    if not _may_act_for(actor, enrolment):
        raise PermissionDenied
    session = _locked(enrolment.session)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    _refuse_if_closed(session, now, field="status")
    expires = enrolment.offer_expires_at
    if enrolment.status == EnrolmentStatus.OFFERED and expires is not None and expires <= now:
        raise ValidationError({"status": _("This offer has expired: the place has gone to the next person.")})
    _move(enrolment, EnrolmentStatus.ENROLLED, now)
    enrolment.enrolled_at = now
    enrolment.save(update_fields=["status", "status_changed_at", "enrolled_at"])
    if enrolment.referral_id is not None:
        note_enrolment_from_waitlist(referral_id=enrolment.referral_id, now=now)
    audit.record(
        actor=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        action="courses.enrolment.accepted",
        target=enrolment,
    )
    enrolment_id = enrolment.pk
    transaction.on_commit(lambda: tasks.send_confirmation.enqueue(enrolment_id))
    return enrolment


@transaction.atomic
def decline_offer(*, actor, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    now = now or timezone.now()
    if not _may_act_for(actor, enrolment):
        raise PermissionDenied
    session = _locked(enrolment.session)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    _move(enrolment, EnrolmentStatus.DECLINED, now)
    enrolment.save(update_fields=["status", "status_changed_at"])
    _release(session, enrolment.places)
    _offer_freed_places(session, now)
    audit.record(
        actor=getattr(actor, "user", None),
        organisation=getattr(actor, "organisation", None),
        action="courses.enrolment.declined",
        target=enrolment,
    )
    return enrolment


def expire_offers(*, now: datetime | None = None) -> int:
    """Offers past their time lapse and the place goes to the next on the waitlist. Run from the reminder job;
    each session in its own transaction, so one busy session does not hold up the rest. Idempotent."""
    now = now or timezone.now()
    count = 0
    session_ids = (
        Enrolment.objects.filter(status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("session_id", flat=True)
        .distinct()
    )
    for session_id in list(session_ids):
        with transaction.atomic():
            session = _locked(Session(pk=session_id))
            expired = list(
                session.enrolments.select_for_update().filter(status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now)
            )
            for enrolment in expired:
                _move(enrolment, EnrolmentStatus.EXPIRED, now)
                enrolment.save(update_fields=["status", "status_changed_at"])
                _release(session, enrolment.places)
                audit.record(actor=None, action="courses.enrolment.expired", target=enrolment)
            _offer_freed_places(session, now)
            count += len(expired)
    return count


@transaction.atomic
def move_on_waitlist(*, actor, enrolment: Enrolment, position: int, reason: str) -> Enrolment:
    """Staff put someone at another place on the waitlist (1 is first), with the reason in the audit trail."""
    if not selectors.sessions_manageable_by(actor).filter(pk=enrolment.session_id).exists():
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why: the order of the waitlist is only changed with a reason.")})
    _check_reason(reason)
    session = _locked(enrolment.session)
    order = list(selectors.waitlist(session).values_list("pk", flat=True))
    if enrolment.pk not in order:
        raise ValidationError({"position": _("This person is not on the waitlist.")})
    if not 1 <= position <= len(order):
        raise ValidationError({"position": _("Choose a place from 1 to %(last)s.") % {"last": len(order)}})
    old = order.index(enrolment.pk) + 1
    order.remove(enrolment.pk)
    order.insert(position - 1, enrolment.pk)
    # Two steps, so the unique order holds after every statement: first out of the way, then 1, 2, 3 …
    waiting = session.enrolments.filter(pk__in=order)
    waiting.update(waitlist_position=None)
    for number, pk in enumerate(order, start=1):
        Enrolment.objects.filter(pk=pk).update(waitlist_position=number)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="courses.enrolment.reordered",
        target=enrolment,
        detail={"from": old, "to": position, "reason": reason},
    )
    enrolment.refresh_from_db()
    return enrolment


# --- Attendance --------------------------------------------------------------------------------------------------


@transaction.atomic
def mark_attendance(*, actor, meeting: Meeting, present: set[int], now: datetime | None = None) -> int:
    """The teacher's list for one meeting: everyone enrolled is marked present or absent (marking again
    corrects it). A meeting is marked once it has started."""
    now = now or timezone.now()
    if not selectors.meetings_markable_by(actor).filter(pk=meeting.pk).exists():
        raise PermissionDenied
    if meeting.starts_at > now:
        raise ValidationError({"present": _("You can mark who came once the meeting has started.")})
    enrolled = list(meeting.session.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("pk", flat=True))
    unknown = present - set(enrolled)
    if unknown:
        raise ValidationError({"present": _("Someone on the list is not enrolled in this session.")})
    for enrolment_id in enrolled:
        Attendance.objects.update_or_create(
            enrolment_id=enrolment_id,
            meeting=meeting,
            defaults={"present": enrolment_id in present, "marked_at": now, "marked_by": actor.user},
        )
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="courses.meeting.attendance_marked",
        target=meeting.session,
        detail={"meeting": meeting.pk, "present": len(present), "enrolled": len(enrolled)},
    )
    return len(enrolled)


# --- Personal data -----------------------------------------------------------------------------------------------

PERSONAL_FIELDS = ("name", "phone", "email")


def read_enrolments(*, actor, enrolments) -> None:
    """Personal data of enrolments is read through here, so every reading is in the audit trail."""
    for enrolment in enrolments:
        if enrolment.personal_data_deleted_at is None:
            audit.record(
                actor=getattr(actor, "user", None),
                organisation=getattr(actor, "organisation", None),
                action="courses.enrolment.read",
                target=enrolment,
            )


@transaction.atomic
def delete_expired_personal_data(*, now: datetime | None = None) -> int:
    """Delete the names and contact details `IDO_COURSE_RETENTION_DAYS` after the session's last meeting (so a
    certificate can be reissued until then), or after it was cancelled. Idempotent; the anonymous rows stay."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    ended = Session.objects.filter(Q(ends_at__lt=cutoff) | Q(cancelled_at__lt=cutoff))
    return Enrolment.objects.filter(session__in=ended, personal_data_deleted_at__isnull=True).update(
        **dict.fromkeys(PERSONAL_FIELDS, ""), consent_text="", personal_data_deleted_at=now
    )
