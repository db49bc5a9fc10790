"""The desk's search for a course session for a visitor: what kind, which level, in which language, from when, how
near, and whether only sessions with a free place count (else full ones too, so the visitor can join the waitlist).

Reads only, scoped to the one who asks (it starts from `selectors.sessions_enrollable_by`). One query, however
many sessions match: the sessions with their course, provider and location, and their number of meetings and
length of waitlist as subqueries (not joins, so the counts cannot multiply each other).

Distance is as the crow flies, as in the free-slot search of the appointments: the database narrows the sessions
down to a bounding box first, Python measures the exact distance. A session at a location without coordinates
has no distance: it is shown when no maximum distance is asked for, and never when one is.
"""

import math
from datetime import date, datetime, time
from typing import Any, NamedTuple

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ido.appointments.search import bounding_box, coordinates, distance_km
from ido.courses import rules, selectors
from ido.courses.models import Enrolment, EnrolmentStatus, Meeting, Session
from ido.locations.models import Location

# Enough to choose from; the desk narrows the search down rather than scrolls further.
DEFAULT_LIMIT = 100


class FoundSession(NamedTuple):
    """A session the desk can enrol a visitor in (or put them on its waitlist), with what the results show."""

    session: Session
    distance_km: float | None
    meetings: int
    waiting: int

    @property
    def free(self) -> int:
        return self.session.free


def _count_of(queryset: QuerySet) -> Coalesce:
    """The number of rows of `queryset` (filtered on OuterRef("pk")) as a subquery: 0 when there are none."""
    counted = queryset.order_by().values("session_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def candidate_sessions(
    actor,
    *,
    start: date,
    kind: str = "",
    level: str = "",
    language: str = "",
    only_free: bool = False,
    box: tuple[float, float, float, float] | None = None,
    now: datetime | None = None,
) -> QuerySet[Session]:
    """The sessions the actor can enrol in whose first meeting is on `start` (a local date) or later, earliest
    first, with `meeting_count` and `waiting` (the length of the waitlist)."""
    first_moment = datetime.combine(start, time.min, tzinfo=rules.AMSTERDAM)
    sessions = selectors.sessions_enrollable_by(actor, now=now).filter(starts_at__gte=first_moment)
    if kind:
        sessions = sessions.filter(course__kind=kind)
    if level:
        sessions = sessions.filter(course__level=level)
    if language:
        sessions = sessions.filter(course__language=language)
    if only_free:
        # The same condition as the statement that takes a place: at least one place left.
        sessions = sessions.filter(taken__lt=F("capacity"))
    if box is not None:
        south, north, west, east = box
        sessions = sessions.filter(
            location__latitude__gte=south,
            location__latitude__lte=north,
            location__longitude__gte=west,
            location__longitude__lte=east,
        )
    return sessions.annotate(
        meeting_count=_count_of(Meeting.objects.filter(session=OuterRef("pk"))),
        waiting=_count_of(Enrolment.objects.filter(session=OuterRef("pk"), status=EnrolmentStatus.WAITLISTED)),
    ).order_by("starts_at", "pk")


def find_sessions(
    actor,
    *,
    start: date | None = None,
    kind: str = "",
    level: str = "",
    language: str = "",
    near: Location | None = None,
    within_km: float | None = None,
    only_free: bool = False,
    now: datetime | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> list[FoundSession]:
    """The sessions that fit, earliest first (then nearest): at most `limit` of them (None: all). `near`: measure
    distances from this location; `within_km`: only sessions at most that far away (needs a `near` with
    coordinates). One query."""
    now = now or timezone.now()
    start = start or timezone.localdate(now)
    origin = coordinates(near)
    if within_km is not None and origin is None:
        raise ValueError("a maximum distance needs a location with coordinates to measure from")
    if limit == 0:
        return []
    box = bounding_box(*origin, within_km) if within_km is not None and origin is not None else None
    sessions = candidate_sessions(
        actor, start=start, kind=kind, level=level, language=language, only_free=only_free, box=box, now=now
    )
    if within_km is None and limit is not None:
        # Every session in the box counts only after its exact distance is known; without a box, the database
        # may stop early.
        sessions = sessions[:limit]
    found = []
    session: Any  # a Session with the annotations meeting_count and waiting
    for session in sessions:
        place = coordinates(session.location)
        distance = None if origin is None or place is None else distance_km(*origin, *place)
        if within_km is not None and (distance is None or distance > within_km):
            continue
        found.append(FoundSession(session, distance, session.meeting_count, session.waiting))
        if limit is not None and len(found) >= limit:
            break
    found.sort(key=_earliest_then_nearest)
    return found


def _earliest_then_nearest(found: FoundSession):
    return found.session.starts_at, math.inf if found.distance_km is None else found.distance_km
