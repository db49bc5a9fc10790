"""Writes for the national vocabularies, by national administrators. Every change is audited with the values
before and after, so the audit trail is the version history of a term. A term's code never changes (exports and
the API use it); a term is retired instead of deleted, so it stays on old registrations and in history."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core import audit
from ido.organisations.models import Membership
from ido.registrations.models import HelpGiven, KbCategory, KbDimension, ServiceOrganisation, Topic, VocabularyTerm

# The kinds of term in URLs, with their model and the KB dimension they map onto.
TERM_KINDS: dict[str, type[VocabularyTerm]] = {
    "topics": Topic,
    "organisations": ServiceOrganisation,
    "help": HelpGiven,
    "kb": KbCategory,
}
KB_DIMENSION_OF: dict[type[VocabularyTerm], str] = {
    Topic: KbDimension.TOPIC,
    ServiceOrganisation: KbDimension.ORGANISATION,
    HelpGiven: KbDimension.HELP,
}
EDITABLE_FIELDS = {
    Topic: ("label_nl", "label_en", "sort_order", "parent", "kb_category"),
    ServiceOrganisation: ("label_nl", "label_en", "sort_order", "government_layer", "kb_category"),
    HelpGiven: ("label_nl", "label_en", "sort_order", "link_point", "kb_category"),
    KbCategory: ("label_nl", "label_en", "sort_order"),
}


def _check_actor(actor: Membership) -> None:
    if not actor.has_perm("vocabularies.manage"):
        raise PermissionDenied


def _snapshot(term: VocabularyTerm) -> dict[str, Any]:
    values: dict[str, Any] = {"code": term.code}
    for name in (*EDITABLE_FIELDS[type(term)], "retired_on"):
        value = getattr(term, name)
        if isinstance(value, VocabularyTerm):
            value = value.code
        elif isinstance(value, date):
            value = value.isoformat()
        values[name] = value
    return values


def _check_rules(term: VocabularyTerm) -> None:
    if isinstance(term, Topic) and term.parent is not None:
        parent = term.parent
        if term.pk is not None and parent.pk == term.pk:
            raise ValidationError({"parent": _("A topic cannot be its own main topic.")})
        if parent.parent_id is not None:
            raise ValidationError({"parent": _("Choose a main topic: a topic that has no main topic itself.")})
        if term.pk is not None and Topic.objects.filter(parent=term).exists():
            raise ValidationError({"parent": _("This topic has subtopics, so it cannot become a subtopic itself.")})
        if parent.retired_on is not None and parent.retired_on <= timezone.localdate() and term.retired_on is None:
            raise ValidationError({"parent": _("This main topic is no longer in use. Choose another.")})
    category = getattr(term, "kb_category", None)
    if category is not None and category.dimension != KB_DIMENSION_OF[type(term)]:
        raise ValidationError({"kb_category": _("This KB category belongs to another list.")})


def _save(term: VocabularyTerm) -> None:
    term.full_clean()
    _check_rules(term)
    term.save()


@transaction.atomic
def create_term(*, actor: Membership, model: type[VocabularyTerm], values: Mapping[str, Any]) -> VocabularyTerm:
    """Add a term to a national list. `values` holds the code and the editable fields (and, for a KB category,
    its dimension)."""
    _check_actor(actor)
    term = model(**values)
    _save(term)
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="registrations.vocabulary.created",
        target=term,
        detail={"after": _snapshot(term)},
    )
    return term


@transaction.atomic
def update_term(*, actor: Membership, term: VocabularyTerm, values: Mapping[str, Any]) -> VocabularyTerm:
    """Change a term's labels, order and links. The code stays: it is what exports and the API use."""
    _check_actor(actor)
    term = type(term)._default_manager.select_for_update().get(pk=term.pk)
    before = _snapshot(term)
    for name, value in values.items():
        if name not in EDITABLE_FIELDS[type(term)]:
            raise ValueError(f"{name} cannot be changed")
        setattr(term, name, value)
    _save(term)
    after = _snapshot(term)
    if after != before:
        audit.record(
            actor=actor.user,
            organisation=actor.organisation,
            action="registrations.vocabulary.changed",
            target=term,
            detail={"before": before, "after": after},
        )
    return term


@transaction.atomic
def retire_term(*, actor: Membership, term: VocabularyTerm, on: date) -> VocabularyTerm:
    """From `on`, the term cannot be chosen for new registrations; registrations that have it keep it."""
    _check_actor(actor)
    term = type(term)._default_manager.select_for_update().get(pk=term.pk)
    if on < timezone.localdate():
        raise ValidationError({"retired_on": _("Choose today or a later date: history does not change.")})
    if isinstance(term, Topic) and term.children.filter(retired_on__isnull=True).exists():
        raise ValidationError({"retired_on": _("Retire the subtopics of this topic first.")})
    before = _snapshot(term)
    term.retired_on = on
    term.save(update_fields=["retired_on"])
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="registrations.vocabulary.retired",
        target=term,
        detail={"before": before, "after": _snapshot(term)},
    )
    return term


@transaction.atomic
def reinstate_term(*, actor: Membership, term: VocabularyTerm) -> VocabularyTerm:
    """Take a retirement back: the term can be chosen again."""
    _check_actor(actor)
    term = type(term)._default_manager.select_for_update().get(pk=term.pk)
    if term.retired_on is None:
        return term
    if isinstance(term, Topic) and term.parent is not None and term.parent.retired_on is not None:
        raise ValidationError({"retired_on": _("Bring its main topic back into use first.")})
    before = _snapshot(term)
    term.retired_on = None
    term.save(update_fields=["retired_on"])
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="registrations.vocabulary.reinstated",
        target=term,
        detail={"before": before, "after": _snapshot(term)},
    )
    return term


@transaction.atomic
def set_kb_mapping(*, actor: Membership, model: type[VocabularyTerm], mapping: Mapping[int, KbCategory | None]) -> int:
    """Map many terms of one list onto KB categories at once (term pk → category). Returns how many changed."""
    _check_actor(actor)
    changed = 0
    for term in model._default_manager.select_for_update().filter(pk__in=list(mapping)):
        category = mapping[term.pk]
        if getattr(term, "kb_category_id", None) == (category.pk if category else None):
            continue
        update_term(actor=actor, term=term, values={"kb_category": category})
        changed += 1
    return changed
