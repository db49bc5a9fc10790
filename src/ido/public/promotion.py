"""Promotion: a poster (A4) and a flyer (A6) per IDO location, and the widget a municipality or partner shows on
its own website in an iframe: the IDO locations of the municipality and whether they are open now.

The widget is the one page that other websites may frame, and only the websites the municipality allowed
(EmbeddingSite): its Content-Security-Policy says `frame-ancestors 'self' <those websites>` and it has no
X-Frame-Options header (that header cannot list websites). Every other page keeps `frame-ancestors 'none'` and
`X-Frame-Options: DENY`.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from ido.locations.selectors import public_locations, with_opening_hours, with_opening_status
from ido.public import embedding, posters

PDF_MAX_AGE = 60 * 60
WIDGET_MAX_AGE = 5 * 60


def _public_location(pk: int):
    location = with_opening_hours(public_locations().filter(pk=pk)).first()
    if location is None:
        raise Http404
    return location


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    patch_cache_control(response, public=True, max_age=PDF_MAX_AGE)
    return response


@require_safe
def poster(request, pk: int):
    location = _public_location(pk)
    pdf = posters.poster_pdf(location, today=timezone.localdate())
    return _pdf_response(pdf, posters.file_name("poster", location))


@require_safe
def flyer(request, pk: int):
    location = _public_location(pk)
    pdf = posters.flyer_pdf(location, today=timezone.localdate())
    return _pdf_response(pdf, posters.file_name("flyer", location))


@require_safe
@xframe_options_exempt
def widget(request, cbs_code: str):
    municipality = embedding.widget_municipality(cbs_code.upper(), today=timezone.localdate())
    if municipality is None:
        raise Http404
    locations = with_opening_hours(public_locations().filter(municipality=municipality).order_by("city", "name"))
    response = render(
        request,
        "public/widget.html",
        {"municipality": municipality, "rows": with_opening_status(locations, timezone.now())},
    )
    # django-csp's middleware builds the header from the settings, with this one directive replaced.
    response._csp_replace = {"frame-ancestors": embedding.frame_ancestors(embedding.origins_of(municipality))}  # type: ignore[attr-defined]
    patch_cache_control(response, public=True, max_age=WIDGET_MAX_AGE)
    return response
