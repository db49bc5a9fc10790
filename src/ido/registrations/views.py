from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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

# The location is remembered per device: a desk computer stands at one location.
LOCATION_COOKIE = "ido_registration_location"
LAST_VISIT_KEY = "ido_last_visit"


def _chosen_location(request, locations):
    wanted = request.POST.get("location") or request.COOKIES.get(LOCATION_COOKIE)
    return locations.filter(pk=wanted).first() if wanted and str(wanted).isdigit() else None


@permission_required("registrations.create")
def visit_new(request):
    """Nieuwe registratie: one visit with its questions, then straight back to an empty form."""
    actor = request.membership
    locations = selectors.registration_locations_for(actor)
    location = _chosen_location(request, locations) or locations.first()
    ask_characteristics = services.asks_visitor_characteristics(actor.organisation.pk)
    form = VisitForm(
        data=request.POST or None,
        initial={"location": location},
        locations=locations,
        ask_characteristics=ask_characteristics,
    )
    questions = QuestionFormSet(data=request.POST or None, prefix="q", location=location)
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            visit = services.register_visit(
                actor=actor, location=form.cleaned_data["location"], data=visit_input(form, questions)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            request.session[LAST_VISIT_KEY] = visit.pk
            count = len(questions.inputs())
            messages.success(
                request,
                ngettext(
                    "Saved: a visit with %(count)d question at %(location)s.",
                    "Saved: a visit with %(count)d questions at %(location)s.",
                    count,
                )
                % {"count": count, "location": visit.location.name},
            )
            response = redirect("registrations:new")
            response.set_cookie(LOCATION_COOKIE, str(visit.location_id), max_age=365 * 24 * 3600, samesite="Lax")
            return response
    last_visit = selectors.visits_visible_to(actor).filter(pk=request.session.get(LAST_VISIT_KEY)).first()
    previous = selectors.last_own_visit(actor)
    return render(
        request,
        "registrations/visit_form.html",
        {
            "form": form,
            "questions": questions,
            "location": location,
            "last_visit": last_visit if last_visit and services.may_undo(actor, last_visit) else None,
            "previous": previous,
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
    locations = selectors.registration_locations_for(actor)
    location = _chosen_location(request, locations) or locations.first()
    if location is None:
        messages.error(request, _("There is no open location to register at."))
        return redirect("registrations:new")
    try:
        visit = services.register_common_visit(actor=actor, location=location, topic=topic)
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This could not be registered in one click. Fill in the form instead."))
        return redirect("registrations:new")
    request.session[LAST_VISIT_KEY] = visit.pk
    messages.success(
        request,
        _("Saved: a visit about “%(topic)s” at %(location)s.") % {"topic": topic.label, "location": location.name},
    )
    return redirect("registrations:new")


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
    request.session[LAST_VISIT_KEY] = visit.pk
    messages.success(
        request, _("Saved: the same as the last visit, at %(location)s.") % {"location": visit.location.name}
    )
    return redirect("registrations:new")


@require_POST
@permission_required("registrations.create")
def visit_undo(request, pk: int):
    visit = get_object_or_404(selectors.visits_visible_to(request.membership), pk=pk)
    try:
        services.undo_visit(actor=request.membership, visit=visit)
    except PermissionDenied:
        messages.error(request, _("This registration can no longer be undone. Ask your coordinator to correct it."))
    else:
        request.session.pop(LAST_VISIT_KEY, None)
        messages.success(request, _("The registration has been undone."))
    return redirect("registrations:new")


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
