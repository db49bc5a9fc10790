"""The first screen of each role."""

from django.shortcuts import render

from ido.core.access import permission_required
from ido.locations.models import LocationStatus
from ido.locations.selectors import locations_visible_to, with_opening_hours, with_opening_status
from ido.organisations.selectors import memberships_visible_to, national_overview


@permission_required("home.desk")
def desk(request):
    locations = with_opening_hours(locations_visible_to(request.membership).exclude(status=LocationStatus.CLOSED))
    return render(request, "dashboards/desk.html", {"rows": with_opening_status(locations)})


@permission_required("home.coordinator")
def coordinator(request):
    locations = with_opening_hours(locations_visible_to(request.membership))
    members = memberships_visible_to(request.membership).filter(ended_at__isnull=True)
    return render(
        request,
        "dashboards/coordinator.html",
        {
            "rows": with_opening_status(locations),
            "member_count": members.count(),
            "volunteer_count": members.filter(is_volunteer=True).count(),
            "served": request.membership.organisation.served_municipalities.order_by("name"),
        },
    )


@permission_required("home.partner")
def partner(request):
    return render(request, "dashboards/partner.html", {"organisation": request.membership.organisation})


@permission_required("home.municipality")
def municipality(request):
    own = request.membership.organisation.municipality
    locations = with_opening_hours(locations_visible_to(request.membership))
    return render(
        request,
        "dashboards/municipality.html",
        {
            "municipality": own,
            "libraries": own.libraries.order_by("name"),
            "rows": with_opening_status(locations),
        },
    )


@permission_required("home.national")
def national(request):
    return render(request, "dashboards/national.html", national_overview(request.membership))
