"""Reads of organisations, memberships and municipalities, scoped to the one who asks.

`actor` is anything with `.organisation` and `.has_perm()`: a Membership, or an API token's actor.
"""

from django.db.models import Count, Prefetch, Q, QuerySet

from ido.locations.models import LocationStatus
from ido.organisations.models import Membership, Municipality, Organisation


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


def municipalities_served_by(library: Organisation) -> QuerySet[Municipality]:
    return library.served_municipalities.order_by("name")
