"""Coverage for the municipality: which postcode areas lie farther than a chosen distance from an open IDO."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from ido.core.access import permission_required
from ido.geo.coverage import DEFAULT_THRESHOLD_KM, Site, coverage, coverage_map, suggest_extra_site
from ido.geo.reference import gazetteer
from ido.locations.forms import CoverageForm
from ido.locations.selectors import public_locations
from ido.organisations.roles import OrganisationKind
from ido.public.finder import location_point


def open_sites() -> list[Site]:
    """Every open public IDO location in the country as a point: one across the border serves people too."""
    sites = []
    for pk, name, latitude, longitude, postcode in (
        public_locations().order_by("pk").values_list("pk", "name", "latitude", "longitude", "postcode")
    ):
        point = location_point(pk, latitude, longitude, postcode)
        if point is not None:
            sites.append(Site(key=pk, name=name, latitude=point[0], longitude=point[1]))
    return sites


def _own_municipality(actor):
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.MUNICIPALITY and organisation.municipality_id:
        return organisation.municipality
    return None


@permission_required("locations.coverage")
def coverage_view(request):
    """A municipal officer sees their own municipality (a `municipality` in the address is ignored); the national
    level chooses one. A wrong distance shows an error and the default is used."""
    actor = request.membership
    own = _own_municipality(actor)
    if own is None and not actor.has_perm("locations.view_all"):
        raise PermissionDenied
    default = Decimal(DEFAULT_THRESHOLD_KM)
    form = CoverageForm(data=request.GET or None, initial={"distance": default}, choose_municipality=own is None)
    cleaned = {}
    if form.is_bound:
        form.is_valid()
        cleaned = form.cleaned_data  # the fields that are right, even when another one is wrong
    municipality = own or cleaned.get("municipality")
    distance = cleaned.get("distance") or default
    context = {"form": form, "municipality": municipality, "distance": distance}
    if municipality is not None:
        sites = open_sites()
        report = coverage(gazetteer().areas_in(municipality.cbs_code), sites, float(distance))
        context |= {
            "report": report,
            "has_sites": bool(sites),
            "suggestion": suggest_extra_site(report),
            "plot": coverage_map(report, sites),
        }
    return render(request, "locations/coverage.html", context)
