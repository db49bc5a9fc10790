"""Reads for registrations, scoped to the one who asks."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core.models import AuditEvent
from ido.locations.models import Location, LocationStatus
from ido.registrations.models import (
    AgeBand,
    Channel,
    FavouriteTopic,
    HelpGiven,
    KbCategory,
    KbDimension,
    Question,
    ServiceOrganisation,
    Topic,
    Visit,
)


def registration_locations_for(actor) -> QuerySet[Location]:
    """Where the actor can register: their own library's locations that are not closed."""
    if not actor.has_perm("registrations.create"):
        return Location.objects.none()
    # The actor's own library only (as locations_visible_to gives a library), read lean: this runs on every save.
    return (
        Location.objects.filter(library=actor.organisation)
        .exclude(status=LocationStatus.CLOSED)
        .select_related("library__registration_settings")  # the form reads the library's choice
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
        .prefetch_related("questions__topic")
        .first()
    )


def visits_in_period(actor, *, start: date, end: date, location: Location | None = None) -> QuerySet[Visit]:
    since, until = _period(start, end)
    visits = visits_visible_to(actor).filter(occurred_at__gte=since, occurred_at__lt=until)
    return visits.filter(location=location) if location is not None else visits


def choosable_topics_queryset(*, today=None) -> QuerySet[Topic]:
    return _in_use(Topic, today, ())


def recent_visits_for(actor, *, days: int = 7) -> QuerySet[Visit]:
    return visits_visible_to(actor).filter(created_at__gte=timezone.now() - timedelta(days=days))


def choosable_topics(*, location: Location | None = None, today=None, keep=()) -> list[Topic]:
    """Topics that can be chosen, the ones used most at this location in the last 90 days first. `keep`: pks of
    retired topics a correction keeps."""
    today = today or timezone.localdate()
    topics = list(
        Topic.objects.filter(Q(retired_on__isnull=True) | Q(retired_on__gt=today) | Q(pk__in=keep)).order_by(
            "sort_order", "label_nl"
        )
    )
    return order_by_use_at(location, topics)


def order_by_use_at(location: Location | None, topics: list[Topic]) -> list[Topic]:
    """The topics used most at this location in the last 90 days first; otherwise the list order."""
    if location is None:
        return topics
    since = timezone.now() - timedelta(days=90)
    counts = dict(
        Topic.objects.filter(questions__location=location, questions__occurred_at__gte=since)
        .annotate(n=Count("questions"))
        .values_list("pk", "n")
    )
    return sorted(topics, key=lambda topic: -counts.get(topic.pk, 0))


def _in_use(model, today, keep) -> QuerySet:
    today = today or timezone.localdate()
    return model.objects.filter(Q(retired_on__isnull=True) | Q(retired_on__gt=today) | Q(pk__in=keep))


def choosable_organisations(*, today=None, keep=()) -> QuerySet[ServiceOrganisation]:
    return _in_use(ServiceOrganisation, today, keep)


def choosable_help(*, today=None, keep=()) -> QuerySet[HelpGiven]:
    return _in_use(HelpGiven, today, keep)


def favourite_topics(actor) -> list[Topic]:
    """The actor's favourite topics that are still in use."""
    today = timezone.localdate()
    return [
        favourite.topic
        for favourite in FavouriteTopic.objects.filter(user=actor.user)
        .exclude(topic__retired_on__lte=today)
        .select_related("topic")
        .order_by("topic__sort_order", "topic__label_nl")
    ]


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
    by_layer: list[OverviewRow]
    by_age: list[OverviewRow]
    # The same questions laid out in the national (KB) categories, through the mapping of the terms.
    kb_topic: list[OverviewRow]
    kb_organisation: list[OverviewRow]
    kb_help: list[OverviewRow]


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

    # One scan of each table (an index-only scan of the covering indexes on PostgreSQL), grouped by every
    # dimension at once; the breakdowns are added up here. Far fewer groups than rows, whatever the period.
    by_topic: Counter = Counter()
    by_organisation: Counter = Counter()
    by_help: Counter = Counter()
    by_location: Counter = Counter()
    question_groups = questions.values_list("topic", "service_organisation", "help_given", "location").annotate(
        n=Count("id")
    )
    for topic, organisation, help_given, location_pk, n in question_groups.order_by():
        by_topic[topic] += n
        by_organisation[organisation] += n
        by_help[help_given] += n
        by_location[location_pk] += n
    channels: Counter = Counter()
    ages: Counter = Counter()
    for channel, age_band, n in visits.values_list("channel", "age_band").annotate(n=Count("id")).order_by():
        channels[channel] += n
        ages[age_band] += n

    def terms(model, keys) -> dict:
        return {
            term.pk: term
            for term in model.objects.filter(pk__in=[k for k in keys if k is not None]).select_related("kb_category")
        }

    def labels(model) -> dict:
        return {pk: term.label for pk, term in terms_by_model[model].items()}

    def kb_rows(model, counts: dict) -> list[OverviewRow]:
        """Add the terms' counts up per KB category; terms without one count as "not mapped"."""
        by_category: dict = {}
        for pk, count in counts.items():
            term = terms_by_model[model].get(pk)
            if pk is None:
                category = _("None or unknown")
            else:
                category = term.kb_category.label if term is not None and term.kb_category else _("Not mapped")
            by_category[category] = by_category.get(category, 0) + count
        return _rows(by_category, {label: label for label in by_category})

    terms_by_model = {
        Topic: terms(Topic, by_topic),
        ServiceOrganisation: terms(ServiceOrganisation, by_organisation),
        HelpGiven: terms(HelpGiven, by_help),
    }
    layers: dict = {}
    for pk, count in by_organisation.items():
        organisation = terms_by_model[ServiceOrganisation].get(pk)
        layer = organisation.get_government_layer_display() if organisation else _("None or unknown")
        layers[layer] = layers.get(layer, 0) + count
    return Overview(
        start=start,
        end=end,
        visits=sum(channels.values()),
        questions=sum(by_topic.values()),
        by_topic=_rows(by_topic, labels(Topic)),
        by_organisation=_rows(by_organisation, {None: _("None or unknown"), **labels(ServiceOrganisation)}),
        by_help=_rows(by_help, labels(HelpGiven)),
        by_channel=_rows(channels, dict(Channel.choices)),
        by_location=_rows(by_location, dict(Location.objects.filter(pk__in=by_location).values_list("pk", "name"))),
        by_layer=_rows(layers, {label: label for label in layers}),
        by_age=_rows(ages, dict(AgeBand.choices)),
        kb_topic=kb_rows(Topic, by_topic),
        kb_organisation=kb_rows(ServiceOrganisation, by_organisation),
        kb_help=kb_rows(HelpGiven, by_help),
    )


def vocabulary_terms(model) -> QuerySet:
    """All terms of a national list, retired ones included (they stay on old registrations)."""
    related = [name for name in ("parent", "kb_category") if hasattr(model, name)]
    return model.objects.select_related(*related).order_by("sort_order", "label_nl")


def term_usage(term) -> int:
    """How many questions carry this term (a KB category: through the terms mapped onto it)."""
    if isinstance(term, KbCategory):
        field = {KbDimension.TOPIC: "topic", KbDimension.ORGANISATION: "service_organisation"}.get(
            term.dimension, "help_given"
        )
        return Question.objects.filter(**{f"{field}__kb_category": term}).count()
    field = {Topic: "topic", ServiceOrganisation: "service_organisation", HelpGiven: "help_given"}[type(term)]
    return Question.objects.filter(**{field: term}).count()


def term_history(term) -> QuerySet[AuditEvent]:
    """The versions of a term: every change the vocabulary services recorded, newest first."""
    return AuditEvent.objects.filter(target_type=term._meta.label_lower, target_id=str(term.pk)).order_by(
        "-occurred_at", "-pk"
    )


def kb_categories(dimension: str) -> QuerySet[KbCategory]:
    """The KB categories one list maps onto (retired ones too: a mapping may still point at them)."""
    return KbCategory.objects.filter(dimension=dimension)
