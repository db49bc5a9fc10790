from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations import selectors, services
from ido.locations.forms import HoursFormSet, LocationForm, OpeningExceptionForm
from ido.locations.models import Weekday
from ido.locations.opening_hours import current_period, next_opening
from ido.organisations.roles import OrganisationKind
from ido.organisations.selectors import organisations_visible_to


def _libraries_for(actor, location=None):
    """Libraries to choose from on the location form; when editing, also the location's own (maybe switched off)."""
    libraries = organisations_visible_to(actor).filter(kind=OrganisationKind.LIBRARY).order_by("name")
    if not actor.has_perm("locations.view_all"):
        return libraries  # a coordinator's own library, switched off or not
    if location is not None:
        return libraries.filter(Q(is_active=True) | Q(pk=location.library_id))
    return libraries.filter(is_active=True)


@permission_required("locations.view")
def location_list(request):
    locations = selectors.with_opening_hours(selectors.locations_visible_to(request.membership))
    return render(request, "locations/location_list.html", {"rows": selectors.with_opening_status(locations)})


@permission_required("locations.view")
def location_detail(request, pk: int):
    location = get_object_or_404(
        selectors.with_opening_hours(selectors.locations_visible_to(request.membership)), pk=pk
    )
    schedule = selectors.schedule_for(location)
    now = timezone.now()
    week = [
        (label, [row for row in location.opening_hours.all() if row.weekday == value])
        for value, label in Weekday.choices
    ]
    upcoming = [row for row in location.opening_exceptions.all() if row.date >= timezone.localdate()]
    return render(
        request,
        "locations/location_detail.html",
        {
            "location": location,
            "week": week,
            "exceptions": upcoming,
            "open_until": current_period(schedule, now),
            "next_opening": next_opening(schedule, now),
            "can_manage": request.membership.has_perm("locations.manage"),
        },
    )


@permission_required("locations.manage")
def location_create(request):
    libraries = _libraries_for(request.membership)
    form = LocationForm(data=request.POST or None, libraries=libraries)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.create_location(
                actor=request.membership,
                library=form.cleaned_data["library"],
                municipality=form.cleaned_data["municipality"],
                **form.service_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Location %(name)s was added. Now fill in its opening hours.") % {"name": location.name},
            )
            return redirect("locations:hours", pk=location.pk)
    return render(request, "locations/location_form.html", {"form": form})


@permission_required("locations.manage")
def location_edit(request, pk: int):
    location = get_object_or_404(selectors.locations_manageable_by(request.membership), pk=pk)
    libraries = _libraries_for(request.membership, location)
    form = LocationForm(data=request.POST or None, instance=location, libraries=libraries)
    if request.method == "POST" and form.is_valid():
        location.refresh_from_db()
        try:
            services.update_location(
                actor=request.membership,
                location=location,
                municipality=form.cleaned_data["municipality"],
                **form.service_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("locations:detail", pk=location.pk)
    return render(request, "locations/location_form.html", {"form": form, "location": location})


@permission_required("locations.manage")
def location_hours(request, pk: int):
    location = get_object_or_404(selectors.locations_manageable_by(request.membership), pk=pk)
    initial = [
        {"weekday": row.weekday, "opens": row.opens, "closes": row.closes}
        for row in location.opening_hours.order_by("weekday", "opens")
    ]
    formset = HoursFormSet(data=request.POST or None, initial=initial, prefix="hours")
    if request.method == "POST" and formset.is_valid():
        try:
            services.set_opening_hours(actor=request.membership, location=location, blocks=formset.blocks())
        except ValidationError as error:
            formset_errors = error.messages
        else:
            messages.success(request, _("The opening hours have been saved."))
            return redirect("locations:detail", pk=location.pk)
    else:
        formset_errors = []
    return render(
        request,
        "locations/location_hours.html",
        {"location": location, "formset": formset, "formset_errors": formset_errors},
    )


@permission_required("locations.manage")
def location_exceptions(request, pk: int):
    location = get_object_or_404(selectors.locations_manageable_by(request.membership), pk=pk)
    form = OpeningExceptionForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_opening_exception(
                actor=request.membership,
                location=location,
                day=data["date"],
                is_closed=data["is_closed"],
                opens=data["opens"],
                closes=data["closes"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The exception has been added."))
            return redirect("locations:exceptions", pk=location.pk)
    exceptions = location.opening_exceptions.filter(date__gte=timezone.localdate()).order_by("date", "opens")
    return render(
        request,
        "locations/location_exceptions.html",
        {"location": location, "form": form, "exceptions": exceptions},
    )


@require_POST
@permission_required("locations.manage")
def exception_remove(request, pk: int, exception_pk: int):
    location = get_object_or_404(selectors.locations_manageable_by(request.membership), pk=pk)
    exception = get_object_or_404(location.opening_exceptions, pk=exception_pk)
    services.remove_opening_exception(actor=request.membership, exception=exception)
    messages.success(request, _("The exception has been removed."))
    return redirect("locations:exceptions", pk=location.pk)
