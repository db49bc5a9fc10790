"""Reads of organisations, memberships and municipalities, scoped to the one who asks.

`actor` is anything with `.organisation` and `.has_perm()`: a Membership, or an API token's actor.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet

from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Membership, Municipality, Organisation, Province
from ido.organisations.roles import OrganisationKind


def organisations_visible_to(actor) -> QuerySet[Organisation]:
    organisations = Organisation.objects.select_related("municipality")
    if actor.has_perm("organisations.view_all"):
        return organisations
    return organisations.filter(pk=actor.organisation.pk)


def organisation_list_for(actor) -> QuerySet[Organisation]:
    return (
        organisations_visible_to(actor)
        .prefetch_related(Prefetch("served_municipalities", queryset=Municipality.objects.order_by("name")))
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__ended_at__isnull=True), distinct=True),
            location_count=Count("locations", distinct=True),
        )
        .order_by("kind", "name")
    )


def memberships_visible_to(actor) -> QuerySet[Membership]:
    memberships = Membership.objects.select_related("user", "organisation")
    if actor.has_perm("members.view_all"):
        return memberships
    if actor.has_perm("members.view"):
        return memberships.filter(organisation=actor.organisation)
    return memberships.none()


def municipalities_visible_to(actor) -> QuerySet[Municipality]:
    """Municipalities are public reference data: everyone with the permission sees all of them."""
    if actor.has_perm("municipalities.view") or actor.has_perm("organisations.view_all"):
        return Municipality.objects.all()
    return Municipality.objects.none()


def municipality_list_for(actor) -> QuerySet[Municipality]:
    """Municipalities with how many libraries serve them and how many open IDO locations they have."""
    return (
        municipalities_visible_to(actor)
        .annotate(
            library_count=Count("libraries", distinct=True),
            open_location_count=Count("locations", filter=Q(locations__status=LocationStatus.OPEN), distinct=True),
        )
        .order_by("name")
    )


def filter_municipalities(
    municipalities: QuerySet[Municipality],
    *,
    q: str = "",
    province: str = "",
    without_open_location: bool = False,
) -> QuerySet[Municipality]:
    if q:
        municipalities = municipalities.filter(Q(name__icontains=q) | Q(cbs_code__iexact=q))
    if province:
        municipalities = municipalities.filter(province=province)
    if without_open_location:
        municipalities = municipalities.filter(open_location_count=0)
    return municipalities


def memberships_of(user) -> list[Membership]:
    """The memberships a user can act in, for the organisation switcher."""
    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("organisation", "organisation__municipality")
        .order_by("organisation__name", "role")
    )
    for membership in memberships:
        membership.user = user  # the user is known: `membership.user` costs no second query
    return memberships


def national_overview(actor) -> dict:
    """Counts for the national administrator: organisations by kind, locations by status, and per province
    how many current municipalities have an open IDO location."""
    if not actor.has_perm("organisations.view_all"):
        raise PermissionDenied
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
    return {
        "organisation_counts": [(label, by_kind.get(value, 0)) for value, label in OrganisationKind.choices],
        "location_counts": [(label, by_status.get(value, 0)) for value, label in LocationStatus.choices],
        "municipality_count": sum(row["total"] for row in provinces),
        "covered_count": sum(row["covered"] for row in provinces),
        "provinces": provinces,
    }
