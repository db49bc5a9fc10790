"""Screens for national administrators: the national lists (topics, organisations, help given, KB categories)
and the mapping onto the KB categories."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.registrations import selectors, vocabulary_services
from ido.registrations.forms import KbMappingForm, RetireForm, term_form_class
from ido.registrations.models import KbCategory, KbDimension

KIND_TITLES = {
    "topics": gettext_lazy("Topics"),
    "organisations": gettext_lazy("Organisations concerned"),
    "help": gettext_lazy("Help given"),
    "kb": gettext_lazy("KB categories"),
}


HISTORY_ACTIONS = {
    "registrations.vocabulary.created": gettext_lazy("Added"),
    "registrations.vocabulary.changed": gettext_lazy("Changed"),
    "registrations.vocabulary.retired": gettext_lazy("Retired"),
    "registrations.vocabulary.reinstated": gettext_lazy("Back in use"),
}


def _versions(term) -> list[dict]:
    """The term's audit events in words: what happened, and the values before and after by field label."""

    def labelled(values: dict) -> list[tuple[str, object]]:
        fields = {field.name: field for field in type(term)._meta.get_fields() if hasattr(field, "verbose_name")}
        return [(str(fields[name].verbose_name) if name in fields else name, value) for name, value in values.items()]

    return [
        {
            "event": event,
            "what": HISTORY_ACTIONS.get(event.action, event.action),
            "before": labelled(event.detail.get("before", {})),
            "after": labelled(event.detail.get("after", {})),
        }
        for event in selectors.term_history(term)
    ]


def _model(kind: str):
    try:
        return vocabulary_services.TERM_KINDS[kind]
    except KeyError:
        raise Http404 from None


def _tabs(current: str) -> list[dict]:
    return [{"kind": kind, "title": str(title), "current": kind == current} for kind, title in KIND_TITLES.items()]


@permission_required("vocabularies.manage")
def term_list(request, kind: str = "topics"):
    model = _model(kind)
    terms = selectors.vocabulary_terms(model)
    return render(
        request,
        "registrations/vocabularies/term_list.html",
        {
            "kind": kind,
            "title": str(KIND_TITLES[kind]),
            "tabs": _tabs(kind),
            "terms": terms,
            "today": timezone.localdate(),
            "has_kb": model is not KbCategory,
        },
    )


@permission_required("vocabularies.manage")
def term_new(request, kind: str):
    model = _model(kind)
    form = term_form_class(model)(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            term = vocabulary_services.create_term(actor=request.membership, model=model, values=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("“%(term)s” has been added.") % {"term": term.label})
            return redirect("registrations:vocabulary", kind=kind)
    return render(
        request,
        "registrations/vocabularies/term_form.html",
        {"kind": kind, "title": str(KIND_TITLES[kind]), "form": form, "term": None},
    )


@permission_required("vocabularies.manage")
def term_edit(request, kind: str, pk: int):
    model = _model(kind)
    term = get_object_or_404(model, pk=pk)
    form = term_form_class(model)(data=request.POST or None, instance=model.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields}
        try:
            vocabulary_services.update_term(actor=request.membership, term=term, values=values)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("registrations:vocabulary", kind=kind)
    return render(
        request,
        "registrations/vocabularies/term_form.html",
        {
            "kind": kind,
            "title": str(KIND_TITLES[kind]),
            "form": form,
            "term": term,
            "retire_form": RetireForm(initial={"retired_on": timezone.localdate()}, auto_id="retire_%s"),
            "usage": selectors.term_usage(term),
            "history": _versions(term),
            "today": timezone.localdate(),
        },
    )


@require_POST
@permission_required("vocabularies.manage")
def term_retire(request, kind: str, pk: int):
    term = get_object_or_404(_model(kind), pk=pk)
    form = RetireForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date from which the term is retired."))
        return redirect("registrations:vocabulary_edit", kind=kind, pk=pk)
    try:
        vocabulary_services.retire_term(actor=request.membership, term=term, on=form.cleaned_data["retired_on"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("registrations:vocabulary_edit", kind=kind, pk=pk)
    messages.success(
        request,
        _("“%(term)s” can no longer be chosen from %(date)s. Old registrations keep it.")
        % {"term": term.label, "date": form.cleaned_data["retired_on"].strftime("%d-%m-%Y")},
    )
    return redirect("registrations:vocabulary", kind=kind)


@require_POST
@permission_required("vocabularies.manage")
def term_reinstate(request, kind: str, pk: int):
    term = get_object_or_404(_model(kind), pk=pk)
    try:
        vocabulary_services.reinstate_term(actor=request.membership, term=term)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("registrations:vocabulary_edit", kind=kind, pk=pk)
    messages.success(request, _("“%(term)s” can be chosen again.") % {"term": term.label})
    return redirect("registrations:vocabulary", kind=kind)


MAPPING_LISTS = [
    ("topics", KbDimension.TOPIC),
    ("organisations", KbDimension.ORGANISATION),
    ("help", KbDimension.HELP),
]


@permission_required("vocabularies.manage")
def kb_mapping(request):
    """One page to map every term onto the national (KB) categories; unmapped terms stand out."""
    forms = []
    for kind, dimension in MAPPING_LISTS:
        model = _model(kind)
        forms.append(
            (
                kind,
                KIND_TITLES[kind],
                model,
                KbMappingForm(
                    data=request.POST or None,
                    prefix=kind,
                    terms=selectors.vocabulary_terms(model),
                    categories=selectors.kb_categories(dimension),
                ),
            )
        )
    if request.method == "POST" and all(form.is_valid() for *_rest, form in forms):
        changed = 0
        for _kind, _title, model, form in forms:
            changed += vocabulary_services.set_kb_mapping(actor=request.membership, model=model, mapping=form.mapping())
        messages.success(request, _("The mapping has been saved (%(count)d changes).") % {"count": changed})
        return redirect("registrations:kb_mapping")
    return render(
        request,
        "registrations/vocabularies/kb_mapping.html",
        {"lists": [(kind, title, form) for kind, title, _model_, form in forms], "tabs": _tabs("")},
    )
