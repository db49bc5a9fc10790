from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations.selectors import locations_visible_to
from ido.registrations import selectors, services
from ido.registrations.exports import LAYOUTS, overview_csv, overview_xlsx
from ido.registrations.forms import (
    CorrectionForm,
    FavouriteTopicsForm,
    OverviewForm,
    QuestionFormSet,
    RegistrationSettingsForm,
    VisitForm,
    visit_input,
)
from ido.registrations.models import Visit

# The location is remembered per device: a desk computer stands at one location.
LOCATION_COOKIE = "ido_registration_location"
LAST_VISIT_COOKIE = "ido_last_visit"


def _chosen_location(request, locations: list):
    """The location of the form, else the one this device used last, else the first."""
    wanted = request.POST.get("location") or request.COOKIES.get(LOCATION_COOKIE)
    by_pk = {str(location.pk): location for location in locations}
    return by_pk.get(str(wanted)) or (locations[0] if locations else None)


def _remember_last_visit(response, visit) -> None:
    """The undo after saving: a short-lived signed cookie, so saving writes no session."""
    response.set_signed_cookie(LAST_VISIT_COOKIE, str(visit.pk), max_age=300, samesite="Lax", httponly=True)


def _last_visit(request, actor):
    pk = request.get_signed_cookie(LAST_VISIT_COOKIE, default=None, max_age=300)
    if not pk or not pk.isdigit():
        return None
    visit = (
        Visit.objects.filter(pk=pk, library=actor.organisation, registered_by=actor.user)
        .select_related("location")
        .prefetch_related("questions__topic")
        .annotate(question_count=Count("questions"))
        .first()
    )
    return visit if visit and services.may_undo(actor, visit) else None


@permission_required("registrations.create")
def visit_new(request):
    """Nieuwe registratie: one visit with its questions, then straight back to an empty form. Saving does only
    what saving needs (one read per vocabulary, no topic counts); showing the form does the rest."""
    actor = request.membership
    is_post = request.method == "POST"
    locations = list(selectors.registration_locations_for(actor))
    location = _chosen_location(request, locations)
    form = VisitForm(data=request.POST if is_post else None, initial={"location": location}, locations=locations)
    questions = QuestionFormSet(
        data=request.POST if is_post else None, prefix="q", location=location, order_by_use=not is_post
    )
    if is_post and form.is_valid() and questions.is_valid():
        try:
            visit = services.register_visit(
                actor=actor, location=form.cleaned_data["location"], data=visit_input(form, questions)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            # The form that follows says what was saved, with its undo button (no separate message: it would
            # say the same twice, and saving stays light).
            response = redirect("registrations:new")
            response.set_cookie(LOCATION_COOKIE, str(visit.location_id), max_age=365 * 24 * 3600, samesite="Lax")
            _remember_last_visit(response, visit)
            return response
    if is_post:
        questions.order_topics(location)
    if not services.asks_visitor_characteristics(actor.organisation.pk, location=location):
        form.drop_characteristics()
    return render(
        request,
        "registrations/visit_form.html",
        {
            "form": form,
            "questions": questions,
            "location": location,
            "last_visit": _last_visit(request, actor),
            "previous": selectors.last_own_visit(actor),
            "favourites": selectors.favourite_topics(actor),
        },
    )


@require_POST
@permission_required("registrations.create")
def visit_quick(request, topic_pk: int):
    """One click on a favourite topic registers a common visit about it, at this device's location."""
    actor = request.membership
    topic = next((topic for topic in selectors.favourite_topics(actor) if topic.pk == topic_pk), None)
    if topic is None:
        raise Http404
    location = _chosen_location(request, list(selectors.registration_locations_for(actor)))
    if location is None:
        messages.error(request, _("There is no open location to register at."))
        return redirect("registrations:new")
    try:
        visit = services.register_common_visit(actor=actor, location=location, topic=topic)
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This could not be registered in one click. Fill in the form instead."))
        return redirect("registrations:new")
    messages.success(
        request,
        _("Saved: a visit about “%(topic)s” at %(location)s.") % {"topic": topic.label, "location": location.name},
    )
    response = redirect("registrations:new")
    _remember_last_visit(response, visit)
    return response


@permission_required("registrations.create")
def favourites(request):
    actor = request.membership
    form = FavouriteTopicsForm(
        data=request.POST if request.method == "POST" else None,
        initial={"topics": selectors.favourite_topics(actor)},
        topics=selectors.choosable_topics_queryset(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_favourite_topics(actor=actor, topics=list(form.cleaned_data["topics"]))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your favourite topics have been saved."))
            return redirect("registrations:new")
    return render(request, "registrations/favourites.html", {"form": form})


@permission_required("registrations.settings")
def registration_settings(request):
    actor = request.membership
    form = RegistrationSettingsForm(
        data=request.POST if request.method == "POST" else None,
        initial={"ask_visitor_characteristics": services.asks_visitor_characteristics(actor.organisation.pk)},
    )
    if request.method == "POST" and form.is_valid():
        services.update_registration_settings(
            actor=actor, ask_visitor_characteristics=form.cleaned_data["ask_visitor_characteristics"]
        )
        messages.success(request, _("The registration settings have been saved."))
        return redirect("registrations:settings")
    return render(request, "registrations/settings.html", {"form": form})


@permission_required("registrations.view")
def visit_edit(request, pk: int):
    """Correct a registration: staff their own for 7 days, coordinators all of their library's (with a reason
    once it is final)."""
    actor = request.membership
    visit = get_object_or_404(selectors.visits_visible_to(actor), pk=pk)
    if not services.may_correct(actor, visit):
        raise PermissionDenied
    needs_reason = services.needs_reason(visit)
    form = CorrectionForm(
        data=request.POST or None,
        initial={name: getattr(visit, name) for name in services.VISIT_FIELDS}
        | {"occurred_at": timezone.localtime(visit.occurred_at)},
        ask_characteristics=services.asks_visitor_characteristics(visit.library_id),
        needs_reason=needs_reason,
    )
    questions = QuestionFormSet(data=request.POST or None, prefix="q", location=visit.location, visit=visit)
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            services.correct_visit(
                actor=actor,
                visit=visit,
                data=visit_input(form, questions),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The registration has been corrected."))
            return redirect("registrations:list")
    return render(
        request,
        "registrations/visit_edit.html",
        {"form": form, "questions": questions, "visit": visit, "needs_reason": needs_reason},
    )


@require_POST
@permission_required("registrations.create")
def visit_repeat(request):
    """One click: the same as the last visit this person registered, now."""
    previous = selectors.last_own_visit(request.membership)
    if previous is None:
        messages.error(request, _("There is no earlier visit to repeat."))
        return redirect("registrations:new")
    try:
        visit = services.repeat_visit(actor=request.membership, visit=previous)
    except (ValidationError, PermissionDenied):
        messages.error(request, _("The last visit cannot be repeated. Fill in the form instead."))
        return redirect("registrations:new")
    messages.success(
        request, _("Saved: the same as the last visit, at %(location)s.") % {"location": visit.location.name}
    )
    response = redirect("registrations:new")
    _remember_last_visit(response, visit)
    return response


@require_POST
@permission_required("registrations.create")
def visit_undo(request, pk: int):
    visit = get_object_or_404(selectors.visits_visible_to(request.membership), pk=pk)
    try:
        services.undo_visit(actor=request.membership, visit=visit)
    except PermissionDenied:
        messages.error(request, _("This registration can no longer be undone. Ask your coordinator to correct it."))
    else:
        messages.success(request, _("The registration has been undone."))
    response = redirect("registrations:new")
    response.delete_cookie(LAST_VISIT_COOKIE, samesite="Lax")
    return response


@permission_required("registrations.view")
def visit_list(request):
    """Desk staff: their own registrations of the last 7 days. Coordinators: the library's, any period."""
    actor = request.membership
    form = None
    if actor.has_perm("registrations.view_library"):
        today = timezone.localdate()
        data = request.GET if request.GET.get("start") else {"start": today - timedelta(days=7), "end": today}
        form = OverviewForm(data=data, locations=selectors.registration_locations_for(actor))
        if form.is_valid():
            visits = selectors.visits_in_period(
                actor,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                location=form.cleaned_data["location"],
            )
        else:
            visits = selectors.visits_visible_to(actor).none()
    else:
        visits = selectors.recent_visits_for(actor)
    page = Paginator(visits, 50).get_page(request.GET.get("page"))
    for visit in page:
        visit.may_correct = services.may_correct(actor, visit)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registrations/visit_list.html",
        {"page": page, "visits": page.object_list, "form": form, "query": query.urlencode()},
    )


def _overview_form(request):
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    default_start = (first_of_month - timedelta(days=1)).replace(day=1) if today.day < 8 else first_of_month
    data = request.GET if request.GET.get("start") else {"start": default_start.isoformat(), "end": today.isoformat()}
    locations = (
        locations_visible_to(request.membership).filter(library=request.membership.organisation).order_by("name")
    )
    return OverviewForm(data=data, locations=locations)


@permission_required("registrations.overview")
def overview(request):
    """Counts per topic, organisation, help given, channel and location for a period: what the library hands
    over, without retyping."""
    form = _overview_form(request)
    figures = None
    if form.is_valid():
        figures = selectors.registration_overview(
            request.membership,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            location=form.cleaned_data["location"],
        )
    return render(
        request, "registrations/overview.html", {"form": form, "overview": figures, "query": request.GET.urlencode()}
    )


@permission_required("registrations.overview")
def overview_export(request, file_format: str):
    form = _overview_form(request)
    if not form.is_valid():
        return redirect(f"{reverse('registrations:overview')}?{request.GET.urlencode()}")
    figures = selectors.registration_overview(
        request.membership,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        location=form.cleaned_data["location"],
    )
    layout = request.GET.get("layout") if request.GET.get("layout") in LAYOUTS else "own"
    name = f"ido-registraties-{'kb-' if layout == 'kb' else ''}{figures.start:%Y%m%d}-{figures.end:%Y%m%d}"
    if file_format == "xlsx":
        response = HttpResponse(
            overview_xlsx(figures, layout),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(overview_csv(figures, layout), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
