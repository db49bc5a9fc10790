"""Anonymous figures of the courses: per course and location, how full the sessions were, who completed, who did
not come, how the waitlist did; and the path from a question at the desk to a completed course.

Only the rows that stay when personal data is deleted are read (session capacity and status, enrolment status,
places and dates, attendance marks, the link to the question), never a name or contact detail, so the figures are
the same before and after the deletion. A fixed number of queries, however many sessions there are.

What the figures mean (the page says it too):
- a session belongs to the period when its first meeting is in it; cancelled sessions are only counted, and left
  out of every other figure (their enrolments ended with them);
- places: the capacity of the sessions;
- enrolled: people who got a place (enrolled at once, or took an offered place), also when they cancelled later;
- fill rate: the places of the people still enrolled, divided by the places;
- completion rate: in sessions that have ended, the people still enrolled who completed by the course's rule,
  divided by the people still enrolled;
- no-show rate: the marks "absent" divided by all attendance marks;
- waitlist: people who were on the waitlist at some time; of those, how many got a place;
- from question to completion: enrolments made from a registered desk question, of those who got a place, of
  those who completed (in sessions that have ended).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ido.courses import rules
from ido.courses.models import Attendance, Enrolment, EnrolmentStatus, Meeting, Session, SessionStatus
from ido.organisations.models import OrganisationKind
from ido.referrals.selectors import SMALL_NUMBER


def percent(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return round(100 * part / whole)


@dataclass
class FigureRow:
    """The figures of one course at one location (or of all of them: the total)."""

    course: str = ""
    provider: str = ""
    location: str = ""
    sessions: int = 0
    cancelled_sessions: int = 0
    places: int = 0
    people: int = 0  # every enrolment, waitlist included: what decides whether the row is too small to show
    enrolled: int = 0
    cancelled_later: int = 0
    enrolled_places: int = 0
    ended_enrolled: int = 0
    completed: int = 0
    marks: int = 0
    absent: int = 0
    waitlisted: int = 0
    waitlist_placed: int = 0
    suppressed: bool = False

    COUNTED = (
        "sessions",
        "cancelled_sessions",
        "places",
        "people",
        "enrolled",
        "cancelled_later",
        "enrolled_places",
        "ended_enrolled",
        "completed",
        "marks",
        "absent",
        "waitlisted",
        "waitlist_placed",
    )

    @property
    def fill_percent(self) -> int | None:
        return percent(self.enrolled_places, self.places)

    @property
    def completion_percent(self) -> int | None:
        return percent(self.completed, self.ended_enrolled)

    @property
    def no_show_percent(self) -> int | None:
        rate = rules.no_show_rate(expected=self.marks, absent=self.absent)
        return None if rate is None else round(100 * rate)

    def add(self, other: "FigureRow") -> None:
        for name in self.COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class PathFigures:
    """From a question registered at the desk to a course enrolment to completion."""

    questions: int = 0
    placed: int = 0
    completed: int = 0
    suppressed: bool = False


@dataclass
class CourseFigures:
    start: date
    end: date
    rows: list[FigureRow] = field(default_factory=list)
    total: FigureRow = field(default_factory=FigureRow)
    path: PathFigures = field(default_factory=PathFigures)


def figures_scope(actor) -> QuerySet[Session]:
    """The sessions whose figures the actor sees: a library those at its locations and those of its own courses;
    a municipality those at the locations on its territory."""
    if not actor.has_perm("courses.figures"):
        return Session.objects.none()
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return Session.objects.filter(location__municipality=organisation.municipality_id)
    own = Q(course__provider=organisation)
    if organisation.kind == OrganisationKind.LIBRARY:
        own |= Q(location__library=organisation)
    return Session.objects.filter(own)


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)


def course_figures(actor, start: date, end: date, *, now: datetime | None = None) -> CourseFigures:
    """The figures of the sessions in scope whose first meeting lies from `start` to `end` (both included), per
    course and location, with the total and the path from desk question to completion. Four queries."""
    now = now or timezone.now()
    since, until = _period(start, end)
    in_period = figures_scope(actor).filter(starts_at__gte=since, starts_at__lt=until)
    running = in_period.exclude(status=SessionStatus.CANCELLED)
    cancelled = Q(status=SessionStatus.CANCELLED)
    key = ("course_id", "location_id")

    rows: dict[tuple[int, int], FigureRow] = {}
    sessions = (
        in_period.values(*key, "course__title", "course__provider__name", "location__name")
        .annotate(
            n=Count("pk", filter=~cancelled),
            n_cancelled=Count("pk", filter=cancelled),
            capacity=Sum("capacity", filter=~cancelled),
        )
        .order_by("course__title", "location__name", *key)
    )
    for row in sessions:
        rows[row["course_id"], row["location_id"]] = FigureRow(
            course=row["course__title"],
            provider=row["course__provider__name"],
            location=row["location__name"],
            sessions=row["n"],
            cancelled_sessions=row["n_cancelled"],
            places=row["capacity"] or 0,
        )

    got_place = Q(enrolled_at__isnull=False)
    was_waiting = Q(waitlisted_at__isnull=False)
    from_question = Q(question__isnull=False)
    path = PathFigures()
    enrolments = (
        Enrolment.objects.filter(session__in=running.values("pk"))
        .values("session__course_id", "session__location_id")
        .annotate(
            people=Count("pk"),
            enrolled=Count("pk", filter=got_place),
            cancelled_later=Count("pk", filter=got_place & Q(status=EnrolmentStatus.CANCELLED)),
            enrolled_places=Sum("places", filter=Q(status=EnrolmentStatus.ENROLLED)),
            waitlisted=Count("pk", filter=was_waiting),
            waitlist_placed=Count("pk", filter=was_waiting & got_place),
            questions=Count("pk", filter=from_question),
            questions_placed=Count("pk", filter=from_question & got_place),
        )
        .order_by()
    )
    for counts in enrolments:
        row = rows[counts["session__course_id"], counts["session__location_id"]]
        row.people = counts["people"]
        row.enrolled = counts["enrolled"]
        row.cancelled_later = counts["cancelled_later"]
        row.enrolled_places = counts["enrolled_places"] or 0
        row.waitlisted = counts["waitlisted"]
        row.waitlist_placed = counts["waitlist_placed"]
        path.questions += counts["questions"]
        path.placed += counts["questions_placed"]

    marks = (
        Attendance.objects.filter(enrolment__session__in=running.values("pk"))
        .values("enrolment__session__course_id", "enrolment__session__location_id")
        .annotate(marks=Count("pk"), absent=Count("pk", filter=Q(present=False)))
        .order_by()
    )
    for counts in marks:
        row = rows[counts["enrolment__session__course_id"], counts["enrolment__session__location_id"]]
        row.marks, row.absent = counts["marks"], counts["absent"]

    # Completion is per person (attended against held, by the course's rule): the counts come along with each
    # enrolment from subqueries, so the rule runs here without a query per person.
    attended = (
        Attendance.objects.filter(enrolment=OuterRef("pk"), present=True, meeting__starts_at__lte=now)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    held = (
        Meeting.objects.filter(session=OuterRef("session_id"), starts_at__lte=now)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ended = (
        Enrolment.objects.filter(session__in=running.filter(ends_at__lte=now).values("pk"))
        .filter(status=EnrolmentStatus.ENROLLED)
        .annotate(attended=Coalesce(Subquery(attended), 0), held=Coalesce(Subquery(held), 0))
        .values_list(
            "session__course_id",
            "session__location_id",
            "question_id",
            "session__course__meetings_to_complete",
            "attended",
            "held",
        )
        .order_by()
    )
    for course_id, location_id, question_id, required, attended_count, held_count in ended:
        row = rows[course_id, location_id]
        row.ended_enrolled += 1
        if rules.is_completed(attended=attended_count, held=held_count, required=required):
            row.completed += 1
            if question_id is not None:
                path.completed += 1

    total = FigureRow()
    for row in rows.values():
        total.add(row)
    # A municipality sees the libraries' figures of its territory: a count of a few people can point at a person.
    if actor.organisation.kind == OrganisationKind.MUNICIPALITY:
        for row in rows.values():
            row.suppressed = row.people < SMALL_NUMBER
        # With a row hidden, the total would give it away (total minus the rows shown): hide it too.
        total.suppressed = total.people < SMALL_NUMBER or any(row.suppressed for row in rows.values())
        path.suppressed = path.questions < SMALL_NUMBER
    return CourseFigures(start=start, end=end, rows=list(rows.values()), total=total, path=path)
