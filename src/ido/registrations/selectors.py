"""Reads for registrations, scoped to the one who asks."""

from datetime import timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from ido.locations.models import Location, LocationStatus
from ido.locations.selectors import locations_visible_to
from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic, Visit


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
