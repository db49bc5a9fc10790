from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations.selectors import locations_visible_to, with_opening_hours, with_opening_status
from ido.organisations import selectors, services
from ido.organisations.forms import (
    MemberForm,
    MunicipalityFilterForm,
    MunicipalityImportForm,
    OrganisationEditForm,
    OrganisationForm,
)
from ido.organisations.municipality_import import parse_municipalities
from ido.organisations.municipality_import_report import change_lines
from ido.organisations.roles import OrganisationKind


@permission_required("organisations.view_all")
def organisation_list(request):
    organisations = selectors.organisation_list_for(request.membership)
    kind = request.GET.get("kind")
    if kind in OrganisationKind.values:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "organisations/organisation_list.html",
        {"organisations": organisations, "kinds": OrganisationKind.choices, "kind": kind},
    )


@permission_required("organisations.manage")
def organisation_create(request):
    form = OrganisationForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(actor=request.membership, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Organisation %(name)s was added.") % {"name": organisation.name})
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/organisation_form.html", {"form": form})


@permission_required("organisations.view_all")
def organisation_detail(request, pk: int):
    organisation = get_object_or_404(selectors.organisation_list_for(request.membership), pk=pk)
    memberships = selectors.memberships_visible_to(request.membership).filter(
        organisation=organisation, ended_at__isnull=True
    )
    locations = locations_visible_to(request.membership).filter(library=organisation)
    return render(
        request,
        "organisations/organisation_detail.html",
        {"organisation": organisation, "memberships": memberships, "locations": locations},
    )


@permission_required("organisations.manage")
def organisation_edit(request, pk: int):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.membership), pk=pk)
    initial = {
        "name": organisation.name,
        "served_municipalities": list(organisation.served_municipalities.all()),
        "is_national_partner": organisation.is_national_partner,
        "email": organisation.email,
        "phone": organisation.phone,
        "website": organisation.website,
        "is_active": organisation.is_active,
    }
    form = OrganisationEditForm(data=request.POST or None, initial=initial, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(actor=request.membership, organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/organisation_form.html", {"form": form, "organisation": organisation})


@permission_required("members.view")
def member_list(request):
    memberships = selectors.memberships_visible_to(request.membership).filter(ended_at__isnull=True)
    return render(request, "organisations/member_list.html", {"memberships": memberships})


@permission_required("members.manage")
def member_add(request):
    actor = request.membership
    view_all = actor.has_perm("members.view_all")
    form = MemberForm(
        data=request.POST or None,
        organisations=selectors.organisations_visible_to(actor) if view_all else None,
        coordinator_only=not view_all,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organisation = data.pop("organisation", actor.organisation)
        try:
            membership = services.add_member(actor=actor, organisation=organisation, request=request, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                # The e-mail address the person typed, not a name stored on an account they may not know about.
                _("%(email)s was added as %(role)s.")
                % {"email": membership.user.email, "role": membership.get_role_display().lower()},
            )
            return redirect("organisations:members")
    return render(request, "organisations/member_form.html", {"form": form})


@permission_required("members.manage")
def member_end(request, pk: int):
    """GET asks to confirm; POST ends the membership."""
    membership = get_object_or_404(
        selectors.memberships_visible_to(request.membership).filter(ended_at__isnull=True), pk=pk
    )
    if request.method != "POST":
        return render(request, "organisations/member_end.html", {"m": membership})
    try:
        services.end_membership(actor=request.membership, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The membership of %(name)s has ended.") % {"name": membership.user.name})
    return redirect("organisations:members")


@permission_required("municipalities.view")
def municipality_list(request):
    form = MunicipalityFilterForm(data=request.GET or None)
    municipalities = selectors.municipality_list_for(request.membership)
    if form.is_valid():
        municipalities = selectors.filter_municipalities(municipalities, **form.cleaned_data)
    # htmx asks for the results only, while the person types; without JavaScript the whole page comes back.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "organisations/_municipality_results.html" if partial else "organisations/municipality_list.html"
    response = render(
        request,
        template,
        {"municipalities": municipalities, "form": form, "filtered": form.is_bound and form.has_changed()},
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@permission_required("municipalities.view")
def municipality_detail(request, cbs_code: str):
    municipality = get_object_or_404(selectors.municipalities_visible_to(request.membership), cbs_code=cbs_code)
    locations = with_opening_hours(locations_visible_to(request.membership).filter(municipality=municipality))
    rows = with_opening_status(locations)
    return render(
        request,
        "organisations/municipality_detail.html",
        {
            "municipality": municipality,
            "libraries": municipality.libraries.order_by("name"),
            "rows": rows,
            "populations": municipality.populations.order_by("-year"),
        },
    )


class _CheckOnly(Exception):
    """Rolls back an import that was only a check."""


@permission_required("municipalities.manage")
def municipality_import(request):
    """Upload a CBS municipality list: every row is checked first; one bad row and nothing is imported."""
    form = MunicipalityImportForm(data=request.POST or None, files=request.FILES or None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        parsed = parse_municipalities(form.cleaned_data["file"], today=timezone.localdate())
        context["errors"] = parsed.errors
        if not parsed.errors:
            try:
                with transaction.atomic():
                    result = services.import_municipalities(
                        actor=request.membership,
                        rows=parsed.rows,
                        end_missing=form.cleaned_data["end_missing"],
                        source=request.FILES["file"].name,
                    )
                    if form.cleaned_data["check_only"]:
                        raise _CheckOnly
            except _CheckOnly:
                context["checked_only"] = True
            context.update(result=result, lines=change_lines(result), row_count=len(parsed.rows))
    return render(request, "organisations/municipality_import.html", context)
