"""Writes for registrations: typed, atomic; corrections are audited."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ido.core import audit
from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Membership, Organisation
from ido.registrations import rules
from ido.registrations.models import (
    FavouriteTopic,
    HelpGiven,
    Question,
    RegistrationSettings,
    ServiceOrganisation,
    Topic,
    Visit,
    YesNoUnknown,
)
from ido.registrations.personal_data import find_personal_data
from ido.registrations.selectors import choosable_help

if TYPE_CHECKING:
    from ido.api.authentication import ApiActor

MAX_QUESTIONS = 10

# Lazy: the message is translated into the language of the request that shows it.
PERSONAL_DATA_MESSAGES = {
    "bsn": gettext_lazy("The text contains a number that looks like a BSN. A BSN may never be registered: remove it."),
    "email": gettext_lazy("The text contains an e-mail address. Registrations are anonymous: remove it."),
    "phone": gettext_lazy("The text contains a phone number. Registrations are anonymous: remove it."),
    "iban": gettext_lazy("The text contains a bank account number (IBAN). Registrations are anonymous: remove it."),
}


@dataclass(frozen=True)
class QuestionInput:
    topic: Topic
    help_given: HelpGiven
    service_organisation: ServiceOrganisation | None = None
    solved: str = YesNoUnknown.UNKNOWN


@dataclass(frozen=True)
class VisitInput:
    occurred_at: datetime
    channel: str
    duration_band: str
    questions: Sequence[QuestionInput]
    age_band: str = ""
    dutch_as_second_language: str = ""
    first_visit: str = ""
    note: str = ""


def check_note(note: str, *, field: str = "note") -> None:
    """Refuse a note with personal data in it, naming what was found (and not repeating it)."""
    kinds = []
    for finding in find_personal_data(note):
        if finding.kind not in kinds:
            kinds.append(finding.kind)
    if kinds:
        raise ValidationError({field: [str(PERSONAL_DATA_MESSAGES[kind]) for kind in kinds]})


def _check_terms(questions: Sequence[QuestionInput], *, keep: set[tuple[str, int]], today) -> None:
    """Retired terms cannot be chosen; `keep` lists (model, pk) pairs already on the visit, which may stay."""
    for number, question in enumerate(questions, start=1):
        for term in (question.topic, question.help_given, question.service_organisation):
            if term is None or term.retired_on is None or term.retired_on > today:
                continue
            if (term._meta.label_lower, term.pk) in keep:
                continue
            raise ValidationError(
                {
                    "questions": _("Question %(number)d: “%(term)s” is no longer in use. Choose another.")
                    % {"number": number, "term": term.label}
                }
            )


def _check_visit(data: VisitInput, *, now: datetime) -> None:
    if not data.questions:
        raise ValidationError({"questions": _("Register at least one question.")})
    if len(data.questions) > MAX_QUESTIONS:
        raise ValidationError({"questions": _("A visit has at most %(max)d questions.") % {"max": MAX_QUESTIONS}})
    if data.occurred_at > now + rules.FUTURE_SLACK:
        raise ValidationError({"occurred_at": _("The date and time are in the future.")})
    if data.occurred_at.year < rules.EARLIEST_VISIT_YEAR:
        raise ValidationError(
            {"occurred_at": _("Visits before %(year)d cannot be registered.") % {"year": rules.EARLIEST_VISIT_YEAR}}
        )
    check_note(data.note)


def _check_location(actor: "Membership | ApiActor", location: Location) -> None:
    if not actor.has_perm("registrations.create"):
        raise PermissionDenied
    # Only the actor's own library's locations (the location was read from the database by the caller).
    if location.library_id != actor.organisation.pk:
        raise PermissionDenied
    if location.status == LocationStatus.CLOSED:
        raise ValidationError({"location": _("This location is closed; choose another.")})


def _write_questions(visit: Visit, questions: Sequence[QuestionInput], first_position: int = 1) -> None:
    Question.objects.bulk_create(
        [
            Question(
                visit=visit,
                position=number,
                topic=question.topic,
                service_organisation=question.service_organisation,
                help_given=question.help_given,
                solved=question.solved,
                location_id=visit.location_id,
                library_id=visit.library_id,
                occurred_at=visit.occurred_at,
            )
            for number, question in enumerate(questions, start=first_position)
        ]
    )


def _rewrite_questions(visit: Visit, old: list[Question], new: Sequence[QuestionInput]) -> None:
    """A correction changes the questions in place, position by position, so what other modules linked to a
    question (a referral, a course enrolment) stays linked; questions beyond the new number go."""
    for position, (question, data) in enumerate(zip(old, new, strict=False), start=1):
        question.position = position
        question.topic, question.service_organisation = data.topic, data.service_organisation
        question.help_given, question.solved = data.help_given, data.solved
        question.location_id, question.library_id, question.occurred_at = (
            visit.location_id,
            visit.library_id,
            visit.occurred_at,
        )
    Question.objects.bulk_update(
        old[: len(new)],
        ["position", "topic", "service_organisation", "help_given", "solved", "location", "library", "occurred_at"],
    )
    Question.objects.filter(pk__in=[question.pk for question in old[len(new) :]]).delete()
    _write_questions(visit, new[len(old) :], first_position=len(old) + 1)


VISIT_FIELDS = (
    "occurred_at",
    "channel",
    "duration_band",
    "age_band",
    "dutch_as_second_language",
    "first_visit",
    "note",
)


@transaction.atomic
def register_visit(*, actor: "Membership | ApiActor", location: Location, data: VisitInput) -> Visit:
    """Record an anonymous visit with its questions at one of the actor's library's locations. The actor is a
    person's membership, or a library's API token, which acts for the library and is no person (no user)."""
    now = timezone.now()
    _check_location(actor, location)
    data = _without_characteristics_if_off(data, library_id=location.library_id)
    _check_visit(data, now=now)
    _check_terms(data.questions, keep=set(), today=timezone.localdate())
    visit = Visit.objects.create(
        location=location,
        library_id=location.library_id,
        registered_by=getattr(actor, "user", None),
        **{name: getattr(data, name) for name in VISIT_FIELDS},
    )
    _write_questions(visit, data.questions)
    return visit


def _may_change(actor: Membership, visit: Visit, now: datetime) -> bool:
    if visit.library_id != actor.organisation.pk or not actor.has_perm("registrations.create"):
        return False
    return rules.may_edit(
        is_own=visit.registered_by_id == actor.user.pk,
        may_correct_library=actor.has_perm("registrations.correct"),
        created_at=visit.created_at,
        now=now,
    )


def may_correct(actor: Membership, visit: Visit) -> bool:
    return _may_change(actor, visit, timezone.now())


def needs_reason(visit: Visit) -> bool:
    """A final registration (past the edit window) is only changed by a coordinator, with a reason."""
    return rules.is_final_for_staff(created_at=visit.created_at, now=timezone.now())


@transaction.atomic
def correct_visit(*, actor: Membership, visit: Visit, data: VisitInput, reason: str = "") -> Visit:
    """Change a registration: staff their own within the edit window, coordinators any of their library's.
    Corrections of final registrations need a reason; they and changes to someone else's registration are
    audited with what changed."""
    now = timezone.now()
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not _may_change(actor, visit, now):
        raise PermissionDenied
    is_final = rules.is_final_for_staff(created_at=visit.created_at, now=now)
    reason = reason.strip()
    if is_final and not reason:
        raise ValidationError({"reason": _("This registration is final. Say why you correct it.")})
    if reason:
        check_note(reason, field="reason")
    data = _without_characteristics_if_off(data, library_id=visit.library_id)
    _check_visit(data, now=now)
    old_questions = list(visit.questions.order_by("position"))
    keep = {
        (term._meta.label_lower, term.pk)
        for question in old_questions
        for term in (question.topic, question.help_given, question.service_organisation)
        if term is not None
    }
    _check_terms(data.questions, keep=keep, today=timezone.localdate())
    before: dict[str, object] = {name: str(getattr(visit, name)) for name in VISIT_FIELDS}
    before["questions"] = [
        _question_summary(q.topic, q.service_organisation, q.help_given, q.solved) for q in old_questions
    ]
    for name in VISIT_FIELDS:
        setattr(visit, name, getattr(data, name))
    visit.save()
    _rewrite_questions(visit, old_questions, data.questions)
    if is_final or visit.registered_by_id != actor.user.pk:
        audit.record(
            actor=actor.user,
            organisation=actor.organisation,
            action="registrations.visit.corrected",
            target=visit,
            detail={"before": before, "reason": reason},
        )
    return visit


def _question_summary(topic, organisation, help_given, solved) -> str:
    return "/".join([topic.code, organisation.code if organisation else "-", help_given.code, solved or "-"])


@transaction.atomic
def repeat_visit(*, actor: Membership, visit: Visit) -> Visit:
    """Register a new visit, now, the same as an earlier one: the one-click repeat at the desk. The note is not
    copied (it belongs to that visit); retired terms are refused as for any new visit."""
    questions = [
        QuestionInput(
            topic=question.topic,
            service_organisation=question.service_organisation,
            help_given=question.help_given,
            solved=question.solved,
        )
        for question in visit.questions.select_related("topic", "service_organisation", "help_given")
    ]
    data = VisitInput(
        occurred_at=timezone.now(),
        channel=visit.channel,
        duration_band=visit.duration_band,
        questions=questions,
    )
    return register_visit(actor=actor, location=visit.location, data=data)


def may_undo(actor: Membership, visit: Visit) -> bool:
    return visit.library_id == actor.organisation.pk and rules.may_undo(
        is_own=visit.registered_by_id == actor.user.pk, created_at=visit.created_at, now=timezone.now()
    )


@transaction.atomic
def undo_visit(*, actor: Membership, visit: Visit) -> None:
    """Take back a registration just saved by the same person (the undo after saving)."""
    if not may_undo(actor, visit):
        raise PermissionDenied
    visit.delete()


CHARACTERISTICS = ("age_band", "dutch_as_second_language", "first_visit")


def asks_visitor_characteristics(library_id: int, *, location: Location | None = None) -> bool:
    """The library's choice. A location just read with its library and settings (`registration_locations_for`)
    answers without a query: for showing a form, not for saving."""
    if location is not None and Location.library.is_cached(location):
        library = location.library
        if getattr(Organisation, "registration_settings").is_cached(library):  # noqa: B009 - reverse relation
            # No row raises RelatedObjectDoesNotExist, an AttributeError: the defaults hold.
            settings = getattr(library, "registration_settings", None)
            return settings is None or settings.ask_visitor_characteristics
    return not RegistrationSettings.objects.filter(library_id=library_id, ask_visitor_characteristics=False).exists()


def _without_characteristics_if_off(data: VisitInput, *, library_id: int) -> VisitInput:
    """A library that switched the visitor characteristics off never stores them, whatever comes in. Always
    asks the database: a saved visit must follow the setting as it is now."""
    if asks_visitor_characteristics(library_id):
        return data
    return replace(data, age_band="", dutch_as_second_language="", first_visit="")


@transaction.atomic
def update_registration_settings(*, actor: Membership, ask_visitor_characteristics: bool) -> RegistrationSettings:
    """A coordinator's choices for their library's registration."""
    if not actor.has_perm("registrations.settings"):
        raise PermissionDenied
    settings, _created = RegistrationSettings.objects.select_for_update().get_or_create(library=actor.organisation)
    if settings.ask_visitor_characteristics != ask_visitor_characteristics:
        settings.ask_visitor_characteristics = ask_visitor_characteristics
        settings.save()
        audit.record(
            actor=actor.user,
            organisation=actor.organisation,
            action="registrations.settings.changed",
            target=settings,
            detail={"ask_visitor_characteristics": ask_visitor_characteristics},
        )
    return settings


MAX_FAVOURITES = 6


@transaction.atomic
def set_favourite_topics(*, actor: Membership, topics: Sequence[Topic]) -> None:
    """Replace the actor's favourite topics (at most six, none retired)."""
    if not actor.has_perm("registrations.create"):
        raise PermissionDenied
    if len(topics) > MAX_FAVOURITES:
        raise ValidationError({"topics": _("Choose at most %(max)d topics.") % {"max": MAX_FAVOURITES}})
    today = timezone.localdate()
    for topic in topics:
        if topic.retired_on is not None and topic.retired_on <= today:
            raise ValidationError({"topics": _("“%(term)s” is no longer in use.") % {"term": topic.label}})
    FavouriteTopic.objects.filter(user=actor.user).exclude(topic__in=topics).delete()
    FavouriteTopic.objects.bulk_create(
        [FavouriteTopic(user=actor.user, topic=topic) for topic in topics], ignore_conflicts=True
    )


@transaction.atomic
def register_common_visit(*, actor: Membership, location: Location, topic: Topic) -> Visit:
    """One click on a favourite topic: a walk-in of 10 to 20 minutes, now, one question about the topic with the
    most common help (the first of the list), not marked solved or unsolved."""
    help_given = choosable_help().first()
    if help_given is None:
        raise ValidationError({"questions": _("There is no help-given term in use. Ask the national administrator.")})
    data = VisitInput(
        occurred_at=timezone.now(),
        channel=Visit._meta.get_field("channel").default,
        duration_band=Visit._meta.get_field("duration_band").default,
        questions=[QuestionInput(topic=topic, help_given=help_given)],
    )
    return register_visit(actor=actor, location=location, data=data)
