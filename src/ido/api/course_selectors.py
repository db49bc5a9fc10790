"""Reads for the course endpoints of the API.

The public reads carry no personal data: the courses in the catalogue and the sessions that can still be joined,
with their meetings and free places. The enrolments a token lists are those its own organisation made; the views
record every reading of their personal data through `services.read_enrolments`.
"""

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ido.courses.models import Course, Enrolment, Meeting, Session, SessionStatus
from ido.locations.selectors import public_locations


def public_courses() -> QuerySet[Course]:
    """The courses in the catalogue of active providers: what anyone may read without a token."""
    return Course.objects.filter(active=True, provider__is_active=True).select_related("provider")


def public_sessions(*, now: datetime | None = None) -> QuerySet[Session]:
    """The open sessions of public courses at open locations whose first meeting is still to come, with their
    meetings in time order."""
    now = now or timezone.now()
    return (
        Session.objects.filter(status=SessionStatus.OPEN, starts_at__gt=now)
        .filter(course__in=public_courses())
        .filter(location__in=public_locations())
        .select_related("course", "location")
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("starts_at", "pk")))
    )


def enrolments_made_by(actor) -> QuerySet[Enrolment]:
    """The enrolments the actor's organisation made, at its desk or through its software."""
    if not actor.has_perm("courses.enrol"):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(enrolling_organisation=actor.organisation).select_related("session")
