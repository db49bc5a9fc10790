"""Importing historical registrations: all or nothing, one audit event (the checks are in `imports`)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ido.core import audit
from ido.locations.selectors import locations_visible_to
from ido.organisations.models import Membership
from ido.registrations import services
from ido.registrations.imports import ImportProblem, Lookups, check_file
from ido.registrations.models import HelpGiven, Question, ServiceOrganisation, Topic, Visit

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ImportResult:
    """What an import did. With problems, nothing was written."""

    problems: list[ImportProblem] = field(default_factory=list)
    rows: int = 0
    visits: int = 0
    questions: int = 0
    first_date: date | None = None
    last_date: date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def import_lookups(actor: Membership) -> Lookups:
    """The actor's library's locations (closed ones too: they were open then) and every term, retired ones too.
    A few queries, whatever the size of the file."""
    return Lookups(
        locations=list(locations_visible_to(actor).filter(library=actor.organisation).order_by("name")),
        topics=list(Topic.objects.all()),
        organisations=list(ServiceOrganisation.objects.all()),
        help_given=list(HelpGiven.objects.all()),
    )


@transaction.atomic
def import_visits(*, actor: Membership, file_name: str, content: bytes, now: datetime | None = None) -> ImportResult:
    """Check a file of historical registrations (see `imports`) and, only if every row is right, register its
    visits and questions at the actor's library's locations, as registered by the actor. Records one audit
    event. With any problem nothing is written and the result lists every problem, row by row."""
    if not actor.has_perm("registrations.import"):
        raise PermissionDenied
    now = now or timezone.now()
    checked = check_file(content, lookups=import_lookups(actor), now=now, tz=timezone.get_current_timezone())
    if not checked.ok:
        return ImportResult(problems=checked.problems, rows=checked.row_count)

    # A library that switched the visitor characteristics off does not store them, from a file either.
    keep_characteristics = services.asks_visitor_characteristics(actor.organisation.pk)
    visits = [
        Visit(
            location=item.location,
            library_id=item.location.library_id,
            registered_by=actor.user,
            occurred_at=item.data.occurred_at,
            channel=item.data.channel,
            duration_band=item.data.duration_band,
            age_band=item.data.age_band if keep_characteristics else "",
            dutch_as_second_language=item.data.dutch_as_second_language if keep_characteristics else "",
            first_visit=item.data.first_visit if keep_characteristics else "",
            note=item.data.note,
        )
        for item in checked.visits
    ]
    # PostgreSQL and SQLite (3.35+) give the new keys back, so the questions can point at their visits.
    Visit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
    questions = [
        Question(
            visit_id=visit.pk,
            position=number,
            topic=question.topic,
            service_organisation=question.service_organisation,
            help_given=question.help_given,
            solved=question.solved,
            location_id=visit.location_id,
            library_id=visit.library_id,
            occurred_at=visit.occurred_at,
        )
        for visit, item in zip(visits, checked.visits, strict=True)
        for number, question in enumerate(item.data.questions, start=1)
    ]
    if any(question.visit_id is None for question in questions):
        raise RuntimeError("the database did not return the keys of the new visits")
    Question.objects.bulk_create(questions, batch_size=BATCH_SIZE)

    local_dates = [timezone.localtime(visit.occurred_at).date() for visit in visits]
    first_date, last_date = min(local_dates), max(local_dates)
    result = ImportResult(
        rows=checked.row_count,
        visits=len(visits),
        questions=len(questions),
        first_date=first_date,
        last_date=last_date,
    )
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="registrations.visits.imported",
        detail={
            "source": file_name,
            "rows": result.rows,
            "visits": result.visits,
            "questions": result.questions,
            "first_date": first_date.isoformat(),
            "last_date": last_date.isoformat(),
            "locations": sorted({item.location.name for item in checked.visits}),
        },
    )
    return result
