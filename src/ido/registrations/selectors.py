"""Reads for registrations, scoped to the one who asks."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.locations.models import Location, LocationStatus
from ido.locations.selectors import locations_visible_to
from ido.registrations.models import Channel, HelpGiven, Question, ServiceOrganisation, Topic, Visit


def registration_locations_for(actor) -> QuerySet[Location]:
    """Where the actor can register: their own library's locations that are not closed."""
    if not actor.has_perm("registrations.create"):
        return Location.objects.none()
    return (
        locations_visible_to(actor)
        .filter(library=actor.organisation)
        .exclude(status=LocationStatus.CLOSED)
        .order_by("name")
    )


def visits_visible_to(actor) -> QuerySet[Visit]:
    """Coordinators see their library's registrations; desk staff their own."""
    visits = Visit.objects.select_related("location", "registered_by").prefetch_related(
        "questions__topic", "questions__service_organisation", "questions__help_given"
    )
    if actor.has_perm("registrations.view_library"):
        return visits.filter(library=actor.organisation)
    if actor.has_perm("registrations.view"):
        return visits.filter(library=actor.organisation, registered_by=actor.user)
    return visits.none()


def last_own_visit(actor) -> Visit | None:
    """The actor's most recent registration in their library, for "same as last visit"."""
    return (
        Visit.objects.filter(library=actor.organisation, registered_by=actor.user)
        .order_by("-created_at", "-pk")
        .select_related("location")
        .first()
    )


def recent_visits_for(actor, *, days: int = 7) -> QuerySet[Visit]:
    return visits_visible_to(actor).filter(created_at__gte=timezone.now() - timedelta(days=days))


def choosable_topics(*, location: Location | None = None, today=None) -> list[Topic]:
    """Topics that can be chosen, the ones used most at this location in the last 90 days first."""
    today = today or timezone.localdate()
    topics = list(Topic.objects.exclude(retired_on__lte=today).order_by("sort_order", "label_nl"))
    if location is None:
        return topics
    since = timezone.now() - timedelta(days=90)
    counts = dict(
        Topic.objects.filter(questions__location=location, questions__occurred_at__gte=since)
        .annotate(n=Count("questions"))
        .values_list("pk", "n")
    )
    return sorted(topics, key=lambda topic: -counts.get(topic.pk, 0))


def choosable_organisations(*, today=None) -> QuerySet[ServiceOrganisation]:
    return ServiceOrganisation.objects.exclude(retired_on__lte=today or timezone.localdate())


def choosable_help(*, today=None) -> QuerySet[HelpGiven]:
    return HelpGiven.objects.exclude(retired_on__lte=today or timezone.localdate())


class OverviewRow(NamedTuple):
    label: str
    count: int


@dataclass(frozen=True)
class Overview:
    """Counts of a library's questions in a period: the figures a coordinator hands over."""

    start: date
    end: date
    visits: int
    questions: int
    by_topic: list[OverviewRow]
    by_organisation: list[OverviewRow]
    by_help: list[OverviewRow]
    by_channel: list[OverviewRow]
    by_location: list[OverviewRow]


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    """Local calendar days [start, end] as aware instants."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _rows(counts: dict, labels: dict) -> list[OverviewRow]:
    rows = [OverviewRow(str(labels.get(key, "—")), count) for key, count in counts.items()]
    return sorted(rows, key=lambda row: (-row.count, row.label))


def registration_overview(actor, *, start: date, end: date, location: Location | None = None) -> Overview:
    """Aggregates over the question table alone (library, location and time are on every question)."""
    if not actor.has_perm("registrations.overview"):
        raise PermissionDenied
    since, until = _period(start, end)
    questions = Question.objects.filter(library=actor.organisation, occurred_at__gte=since, occurred_at__lt=until)
    visits = Visit.objects.filter(library=actor.organisation, occurred_at__gte=since, occurred_at__lt=until)
    if location is not None:
        questions = questions.filter(location=location)
        visits = visits.filter(location=location)

    def counts(field: str) -> dict:
        return dict(questions.values_list(field).annotate(n=Count("id")).order_by())

    def labels(model, keys) -> dict:
        return {term.pk: term.label for term in model.objects.filter(pk__in=[k for k in keys if k is not None])}

    by_topic = counts("topic")
    by_organisation = counts("service_organisation")
    by_help = counts("help_given")
    by_location = counts("location")
    channels = dict(visits.values_list("channel").annotate(n=Count("id")).order_by())
    return Overview(
        start=start,
        end=end,
        visits=visits.count(),
        questions=sum(by_topic.values()),
        by_topic=_rows(by_topic, labels(Topic, by_topic)),
        by_organisation=_rows(
            by_organisation, {None: _("None or unknown"), **labels(ServiceOrganisation, by_organisation)}
        ),
        by_help=_rows(by_help, labels(HelpGiven, by_help)),
        by_channel=_rows(channels, dict(Channel.choices)),
        by_location=_rows(by_location, dict(Location.objects.filter(pk__in=by_location).values_list("pk", "name"))),
    )
