"""Reads of courses, sessions and enrolments, scoped to the one who asks (a Membership or an API token's actor).

The catalogue and the sessions are public facts (no personal data): every member sees them all. Enrolments carry
personal data: a member sees those in the sessions its organisation runs or hosts, and those it made itself.
"""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ido.appointments.models import HostAgreement
from ido.courses import rules
from ido.courses.models import Attendance, Course, Enrolment, EnrolmentStatus, Meeting, Session, SessionStatus
from ido.locations.models import Location, LocationStatus
from ido.locations.selectors import locations_manageable_by
from ido.organisations.models import OrganisationKind


def catalogue(actor) -> QuerySet[Course]:
    """The courses in the catalogue, and the actor's own ones taken out of it."""
    if not actor.has_perm("courses.view"):
        return Course.objects.none()
    return Course.objects.select_related("provider").filter(Q(active=True) | Q(provider=actor.organisation))


def courses_manageable_by(actor) -> QuerySet[Course]:
    """A library or partner manages the courses it provides."""
    if not actor.has_perm("courses.manage"):
        return Course.objects.none()
    return Course.objects.select_related("provider").filter(provider=actor.organisation)


def session_locations_for(actor) -> QuerySet[Location]:
    """Where the actor may plan sessions: a library at its own locations; a partner at the locations whose
    library agreed to host it (the same agreement as for consultation hours)."""
    if not actor.has_perm("courses.manage"):
        return Location.objects.none()
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        return locations_manageable_by(actor).filter(status=LocationStatus.OPEN)
    hosted = HostAgreement.objects.filter(provider=actor.organisation).values("location_id")
    return Location.objects.filter(pk__in=hosted, status=LocationStatus.OPEN)


def sessions_manageable_by(actor) -> QuerySet[Session]:
    """The sessions of the actor's own courses, and (for a library) every session at its locations."""
    if not actor.has_perm("courses.manage"):
        return Session.objects.none()
    sessions = Session.objects.select_related("course__provider", "location")
    own = Q(course__provider=actor.organisation)
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        own |= Q(location__library=actor.organisation)
    return sessions.filter(own)


def _runs_or_hosts(actor) -> Q:
    """The sessions the actor's organisation gives or hosts."""
    condition = Q(course__provider=actor.organisation)
    if actor.organisation.kind == OrganisationKind.LIBRARY:
        condition |= Q(location__library=actor.organisation)
    return condition


def sessions_visible_to(actor) -> QuerySet[Session]:
    """All sessions of courses in the catalogue (their dates and places are public), and the sessions the actor's
    organisation gives or hosts also when their course left the catalogue, with course and place."""
    if not actor.has_perm("courses.view"):
        return Session.objects.none()
    return Session.objects.select_related("course__provider", "location").filter(
        Q(course__in=catalogue(actor)) | _runs_or_hosts(actor)
    )


def sessions_enrollable_by(actor, *, now=None) -> QuerySet[Session]:
    """Where the desk can enrol a visitor (or put them on the waitlist): open sessions of courses in the catalogue
    at an open location, before the first meeting, anywhere in the region."""
    if not actor.has_perm("courses.enrol"):
        return Session.objects.none()
    now = now or timezone.now()
    return sessions_visible_to(actor).filter(
        status=SessionStatus.OPEN,
        course__active=True,
        location__status=LocationStatus.OPEN,
        starts_at__gt=now,
    )


def enrolments_visible_to(actor) -> QuerySet[Enrolment]:
    """Enrolments in the sessions the actor's organisation gives or hosts, and the ones it made itself."""
    if not actor.has_perm("courses.view"):
        return Enrolment.objects.none()
    session_ids = Session.objects.filter(_runs_or_hosts(actor)).values("pk")
    return Enrolment.objects.select_related("session__course", "session__location").filter(
        Q(session__in=session_ids) | Q(enrolling_organisation=actor.organisation)
    )


def meetings_markable_by(actor) -> QuerySet[Meeting]:
    """The meetings whose attendance the actor may mark: of sessions its organisation gives or hosts."""
    if not actor.has_perm("courses.mark"):
        return Meeting.objects.none()
    session_ids = Session.objects.filter(_runs_or_hosts(actor)).values("pk")
    return Meeting.objects.select_related("session__course", "session__location").filter(session__in=session_ids)


def waitlist(session: Session) -> QuerySet[Enrolment]:
    return session.enrolments.filter(status=EnrolmentStatus.WAITLISTED).order_by("waitlist_position")


def participants(session: Session) -> QuerySet[Enrolment]:
    """The people who hold a place: enrolled, and offered a freed place."""
    return session.enrolments.filter(status__in=rules.HOLDS_PLACES).order_by("enrolled_at", "pk")


def attendance_counts(session: Session, *, now=None) -> dict[int, tuple[int, int]]:
    """Per enrolment of the session: (meetings attended so far, meetings of the session). Two queries. All the
    session's meetings count, also those still to come: nobody completes a course half way through it (the rule
    asks for all meetings when the session has fewer than the number the course asks for)."""
    now = now or timezone.now()
    held = session.meetings.count()
    attended = dict(
        Attendance.objects.filter(enrolment__session=session, present=True, meeting__starts_at__lte=now)
        .values_list("enrolment_id")
        .annotate(n=Count("pk"))
        .values_list("enrolment_id", "n")
    )
    return {
        enrolment_id: (attended.get(enrolment_id, 0), held)
        for enrolment_id in session.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("pk", flat=True)
    }


def is_completed(enrolment: Enrolment, *, now=None) -> bool:
    """Whether this person completed the course by the course's rule, from what they attended until now."""
    if enrolment.status != EnrolmentStatus.ENROLLED:
        return False
    attended, held = attendance_counts(enrolment.session, now=now).get(enrolment.pk, (0, 0))
    return rules.is_completed(attended=attended, held=held, required=enrolment.session.course.meetings_to_complete)


def public_sessions(*, now=None) -> QuerySet[Session]:
    """What citizens see: open sessions of courses in the catalogue at open locations that have not started, with
    course and place. Whether they can enrol themselves is the course's `public_enrolment`."""
    now = now or timezone.now()
    return Session.objects.select_related("course__provider", "location").filter(
        status=SessionStatus.OPEN,
        course__active=True,
        location__status=LocationStatus.OPEN,
        starts_at__gt=now,
    )
