"""The first screen of each role."""

from django.db.models import Count, Q
from django.shortcuts import render

from ido.core.access import permission_required
from ido.locations.models import Location, LocationStatus
from ido.locations.selectors import locations_visible_to, with_opening_hours, with_opening_status
from ido.organisations.models import Municipality, Organisation, Province
from ido.organisations.roles import OrganisationKind
from ido.organisations.selectors import memberships_visible_to


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
    by_kind = dict(Organisation.objects.values_list("kind").annotate(n=Count("id")))
    by_status = dict(Location.objects.values_list("status").annotate(n=Count("id")))
    open_location = Q(locations__status=LocationStatus.OPEN)
    provinces = [
        {
            "label": Province(row["province"]).label,
            "total": row["total"],
            "covered": row["covered"],
            "uncovered": row["total"] - row["covered"],
        }
        for row in Municipality.objects.filter(valid_until__isnull=True)
        .values("province")
        .annotate(total=Count("id", distinct=True), covered=Count("id", filter=open_location, distinct=True))
        .order_by("province")
    ]
    return render(
        request,
        "dashboards/national.html",
        {
            "organisation_counts": [(label, by_kind.get(value, 0)) for value, label in OrganisationKind.choices],
            "location_counts": [(label, by_status.get(value, 0)) for value, label in LocationStatus.choices],
            "municipality_count": sum(row["total"] for row in provinces),
            "covered_count": sum(row["covered"] for row in provinces),
            "provinces": provinces,
        },
    )
