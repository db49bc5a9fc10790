"""Writes of the public side: the websites a municipality allows to show its widget."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ido.core import audit
from ido.organisations.models import Membership, Municipality
from ido.organisations.roles import OrganisationKind
from ido.public.embedding import MAX_SITES_PER_MUNICIPALITY, normalise_origin
from ido.public.models import EmbeddingSite


def widget_municipality_of(actor: Membership) -> Municipality:
    """The municipality whose widget `actor` manages: only a municipal organisation's own."""
    organisation = actor.organisation
    if not actor.has_perm("widget.manage") or organisation.kind != OrganisationKind.MUNICIPALITY:
        raise PermissionDenied
    municipality = organisation.municipality
    if municipality is None:
        raise PermissionDenied
    return municipality


@transaction.atomic
def add_embedding_site(*, actor: Membership, origin: str) -> EmbeddingSite:
    """Allow one more website to show the widget of the actor's municipality."""
    municipality = widget_municipality_of(actor)
    try:
        normalised = normalise_origin(origin)
    except ValidationError as error:
        raise ValidationError({"origin": error.error_list}) from error
    # The municipality's row is the lock: two officers adding at the same moment cannot pass the maximum.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    sites = EmbeddingSite.objects.filter(municipality=municipality)
    if sites.filter(origin=normalised).exists():
        raise ValidationError(
            {"origin": _("%(origin)s is already on the list.") % {"origin": normalised}}, code="duplicate"
        )
    if sites.count() >= MAX_SITES_PER_MUNICIPALITY:
        raise ValidationError(
            _("You can allow at most %(count)d websites. Remove one you no longer use first.")
            % {"count": MAX_SITES_PER_MUNICIPALITY},
            code="too_many",
        )
    try:
        with transaction.atomic():
            site = EmbeddingSite.objects.create(municipality=municipality, origin=normalised)
    except IntegrityError as error:  # added by someone else just now
        raise ValidationError(
            {"origin": _("%(origin)s is already on the list.") % {"origin": normalised}}, code="duplicate"
        ) from error
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="public.embedding_site.added",
        target=site,
        detail={"municipality": municipality.cbs_code, "origin": normalised},
    )
    return site


@transaction.atomic
def remove_embedding_site(*, actor: Membership, site: EmbeddingSite) -> None:
    """Take a website off the list: from now on its pages can no longer show the widget."""
    municipality = widget_municipality_of(actor)
    if site.municipality_id != municipality.pk:
        raise PermissionDenied
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="public.embedding_site.removed",
        target=site,
        detail={"municipality": municipality.cbs_code, "origin": site.origin},
    )
    site.delete()
