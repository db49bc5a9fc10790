"""Pages of the partner network: the directory of partner services, referral agreements, and the municipality's
overview with its white spots."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.organisations.roles import OrganisationKind
from ido.referrals import network_rules, network_selectors, network_services
from ido.referrals.models import PartnerService, ReferralAgreement
from ido.referrals.network_forms import (
    AgreementForm,
    DirectoryFilterForm,
    OverviewMunicipalityForm,
    PartnerServiceForm,
)

STATE_ORDER = {network_rules.IN_FORCE: 0, network_rules.UPCOMING: 1, network_rules.ENDED: 2}


def _service_rows(services) -> list[dict]:
    return [
        {"service": service, "languages": network_selectors.language_labels(service.languages)} for service in services
    ]


def _agreement_rows(agreements, today) -> list[dict]:
    """Agreements with their state today: in force first, then those still to start, then the ended ones."""
    rows = [
        {
            "agreement": agreement,
            "state": network_rules.agreement_state(agreement.valid_from, agreement.valid_until, today),
        }
        for agreement in agreements
    ]
    return sorted(rows, key=lambda row: STATE_ORDER[row["state"]])


# The directory


@permission_required("network.view")
def directory(request):
    """Partner services, to find where a visitor can go with a topic; filtered by topic and municipality."""
    actor = request.membership
    form = DirectoryFilterForm(data=request.GET or None)
    services = network_selectors.partner_services_visible_to(actor)
    if form.is_valid():
        services = network_selectors.filter_directory(
            services, topic=form.cleaned_data["topic"], municipality=form.cleaned_data["municipality"]
        )
    inactive = network_selectors.partner_services_manageable_by(actor).filter(is_active=False)
    return render(
        request,
        "referrals/network/directory.html",
        {
            "form": form,
            "rows": _service_rows(services.order_by("organisation__name", "name")),
            "filtered": form.is_bound,
            "inactive": inactive.order_by("organisation__name", "name"),
            "can_add": network_selectors.service_organisations_for(actor).exists(),
        },
    )


@permission_required("network.view")
def service_detail(request, pk: int):
    actor = request.membership
    service = get_object_or_404(network_selectors.partner_services_readable_by(actor), pk=pk)
    today = timezone.localdate()
    agreements = network_selectors.agreements_visible_to(actor).filter(partner=service.organisation)
    return render(
        request,
        "referrals/network/service_detail.html",
        {
            "service": service,
            "languages": network_selectors.language_labels(service.languages),
            "can_manage": network_selectors.partner_services_manageable_by(actor).filter(pk=service.pk).exists(),
            "agreement_rows": _agreement_rows(network_selectors.in_force(agreements, today), today),
        },
    )


def _service_input(data: dict) -> network_services.PartnerServiceInput:
    return network_services.PartnerServiceInput(
        name=data["name"],
        description=data["description"],
        topics=tuple(data["topics"]),
        municipalities=tuple(data["municipalities"]),
        nationwide=data["nationwide"],
        how_to_reach=data["how_to_reach"],
        phone=data["phone"],
        email=data["email"],
        website=data["website"],
        languages=tuple(data["languages"]),
    )


@permission_required("network.manage_services")
def service_new(request):
    actor = request.membership
    organisations = network_selectors.service_organisations_for(actor)
    # A national administrator chooses the partner; partner staff add services for their own organisation.
    form = PartnerServiceForm(
        data=request.POST if request.method == "POST" else None,
        organisations=organisations if actor.has_perm("network.view_all") else None,
    )
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data.get("organisation") or actor.organisation
        try:
            service = network_services.create_partner_service(
                actor=actor, organisation=organisation, data=_service_input(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The service “%(name)s” is in the directory now.") % {"name": service.name})
            return redirect("network:service", pk=service.pk)
    return render(
        request,
        "referrals/network/service_form.html",
        {"form": form, "service": None, "no_organisation": not organisations.exists()},
    )


def _service_initial(service: PartnerService) -> dict:
    return {
        **{name: getattr(service, name) for name in network_services.SERVICE_FIELDS},
        "topics": list(service.topics.all()),
        "municipalities": list(service.municipalities.all()),
    }


@permission_required("network.manage_services")
def service_edit(request, pk: int):
    actor = request.membership
    service = get_object_or_404(network_selectors.partner_services_manageable_by(actor), pk=pk)
    form = PartnerServiceForm(
        data=request.POST if request.method == "POST" else None,
        initial=_service_initial(service),
        keep_topics=[topic.pk for topic in service.topics.all()],
    )
    if request.method == "POST" and form.is_valid():
        try:
            network_services.update_partner_service(
                actor=actor, service=service, data=_service_input(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The service has been changed."))
            return redirect("network:service", pk=service.pk)
    return render(
        request, "referrals/network/service_form.html", {"form": form, "service": service, "no_organisation": False}
    )


def _one_step(request, step, *, done: str, then: tuple[str, int]):
    """A button that runs one service call: its refusal or its success as a message, then back to the page."""
    try:
        step()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(then[0], pk=then[1])


@require_POST
@permission_required("network.manage_services")
def service_deactivate(request, pk: int):
    service = get_object_or_404(network_selectors.partner_services_manageable_by(request.membership), pk=pk)
    return _one_step(
        request,
        lambda: network_services.deactivate_partner_service(actor=request.membership, service=service),
        done=_("The service is out of the directory. You can put it back."),
        then=("network:service", service.pk),
    )


@require_POST
@permission_required("network.manage_services")
def service_reactivate(request, pk: int):
    service = get_object_or_404(network_selectors.partner_services_manageable_by(request.membership), pk=pk)
    return _one_step(
        request,
        lambda: network_services.reactivate_partner_service(actor=request.membership, service=service),
        done=_("The service is back in the directory."),
        then=("network:service", service.pk),
    )


# Referral agreements


@permission_required("network.view")
def agreement_list(request):
    actor = request.membership
    agreements = network_selectors.agreements_visible_to(actor).order_by("partner__name", "library__name", "pk")
    return render(
        request,
        "referrals/network/agreement_list.html",
        {
            "rows": _agreement_rows(agreements, timezone.localdate()),
            "show_library": actor.organisation.kind != OrganisationKind.LIBRARY,
        },
    )


@permission_required("network.view")
def agreement_detail(request, pk: int):
    actor = request.membership
    agreement = get_object_or_404(network_selectors.agreements_visible_to(actor), pk=pk)
    state = network_rules.agreement_state(agreement.valid_from, agreement.valid_until, timezone.localdate())
    return render(
        request,
        "referrals/network/agreement_detail.html",
        {
            "agreement": agreement,
            "state": state,
            "can_manage": network_selectors.agreements_manageable_by(actor).filter(pk=agreement.pk).exists(),
        },
    )


def _agreement_input(data: dict) -> network_services.AgreementInput:
    return network_services.AgreementInput(
        partner=data["partner"],
        location=data["location"],
        topics=tuple(data["topics"]),
        delivery=data["delivery"],
        response_days=data["response_days"],
        contact_name=data["contact_name"],
        contact_email=data["contact_email"],
        contact_phone=data["contact_phone"],
        notification_email=data["notification_email"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    )


@permission_required("network.manage_agreements")
def agreement_new(request):
    actor = request.membership
    form = AgreementForm(
        data=request.POST if request.method == "POST" else None,
        partners=network_selectors.active_partners(),
        locations=network_selectors.agreement_locations_for(actor),
        initial={"valid_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = network_services.create_agreement(
                actor=actor, library=actor.organisation, data=_agreement_input(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("The referral agreement with %(partner)s has been saved.") % {"partner": agreement.partner.name},
            )
            return redirect("network:agreement", pk=agreement.pk)
    return render(request, "referrals/network/agreement_form.html", {"form": form, "agreement": None})


def _agreement_initial(agreement: ReferralAgreement) -> dict:
    return {
        **{name: getattr(agreement, name) for name in network_services.AGREEMENT_FIELDS},
        "topics": list(agreement.topics.all()),
    }


@permission_required("network.manage_agreements")
def agreement_edit(request, pk: int):
    actor = request.membership
    agreement = get_object_or_404(network_selectors.agreements_manageable_by(actor), pk=pk)
    form = AgreementForm(
        data=request.POST if request.method == "POST" else None,
        partners=network_selectors.active_partners(),
        locations=network_selectors.agreement_locations_for(actor),
        initial=_agreement_initial(agreement),
        keep_topics=[topic.pk for topic in agreement.topics.all()],
    )
    if request.method == "POST" and form.is_valid():
        try:
            network_services.update_agreement(
                actor=actor, agreement=agreement, data=_agreement_input(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The referral agreement has been changed."))
            return redirect("network:agreement", pk=agreement.pk)
    return render(request, "referrals/network/agreement_form.html", {"form": form, "agreement": agreement})


@require_POST
@permission_required("network.manage_agreements")
def agreement_end(request, pk: int):
    agreement = get_object_or_404(network_selectors.agreements_manageable_by(request.membership), pk=pk)
    return _one_step(
        request,
        lambda: network_services.end_agreement(actor=request.membership, agreement=agreement),
        done=_("The referral agreement ends today."),
        then=("network:agreement", agreement.pk),
    )


# The municipality's overview


@permission_required("network.view")
def overview(request):
    """Which topics have a partner on the municipality's territory, and which have none (white spots). A
    municipality sees its own territory; the national level chooses a municipality."""
    actor = request.membership
    form = None
    municipality = None
    if actor.organisation.kind == OrganisationKind.MUNICIPALITY and actor.organisation.municipality_id:
        municipality = actor.organisation.municipality
    elif actor.has_perm("network.view_all"):
        form = OverviewMunicipalityForm(data=request.GET or None)
        if form.is_valid():
            municipality = form.cleaned_data["municipality"]
    else:
        raise PermissionDenied
    context = {"form": form, "municipality": municipality, "today": timezone.localdate()}
    if municipality is not None:
        rows = network_selectors.white_spots(municipality, on=context["today"])
        agreements = network_selectors.in_force(
            network_selectors.agreements_visible_to(actor).filter(network_selectors.on_territory_of(municipality.pk)),
            context["today"],
        ).order_by("partner__name", "library__name", "pk")
        context |= {
            "rows": rows,
            "white_spot_count": sum(1 for row in rows if row.is_white_spot),
            "agreements": agreements,
        }
    return render(request, "referrals/network/overview.html", context)
