"""The citizen's way in: the finder on the front page and a page per IDO location. No login, no personal data,
no cookies but the language a visitor chooses."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from ido.core import ratelimit
from ido.geo.geocoder import Problem
from ido.locations.models import OpeningException
from ido.locations.selectors import public_locations, with_opening_hours
from ido.public import finder

# Without a search the front page lists every location, as long as the list stays short.
LIST_ALL_UP_TO = 20
# Beyond this distance the nearest help point is "far": the page says so and suggests asking the library.
FAR_KM = 25
SEARCH_WINDOW_SECONDS = 60


def _page_context(result: finder.FinderResult) -> dict:
    nearest = result.rows[0].distance_km if result.rows else None
    return {
        "result": result,
        "rows": result.rows,
        "far": nearest is not None and nearest > FAR_KM,
        "nearby": finder.nearby_places(result.spot) if result.rows and nearest and nearest > FAR_KM else [],
        "map_tiles": settings.IDO_MAP_TILE_URL,
        "map_points": [],
        "map_attribution": settings.IDO_MAP_ATTRIBUTION,
    }


def _with_map(context: dict) -> dict:
    """The numbered points for the optional map (only when a tile server is configured)."""
    if settings.IDO_MAP_TILE_URL:
        context["map_points"] = [
            {"number": number, "lat": row.point[0], "lon": row.point[1], "name": row.location.name}
            for number, row in enumerate(context["rows"], start=1)
            if row.point
        ]
    return context


def index(request):
    query = request.GET.get("q", "")
    latitude, longitude = request.GET.get("lat", ""), request.GET.get("lon", "")
    if not (query.strip() or latitude or longitude):
        if "q" in request.GET:
            result = finder.FinderResult(geocoded=finder.GeocodeResult(None, Problem.EMPTY))
            return render(request, "public/index.html", _page_context(result))
        locations = public_locations()
        rows = []
        if locations.count() <= LIST_ALL_UP_TO:
            rows = finder.rows_for(list(with_opening_hours(locations.order_by("city", "name"))), now=timezone.now())
        context = {**_page_context(finder.FinderResult()), "rows": rows}
        return render(request, "public/index.html", _with_map(context))
    if not ratelimit.allow(request, "finder", settings.IDO_SEARCH_RATE_LIMIT, SEARCH_WINDOW_SECONDS):
        response = render(
            request,
            "public/index.html",
            {**_page_context(finder.FinderResult(query=query)), "rate_limited": True},
            status=429,
        )
        response["Retry-After"] = str(SEARCH_WINDOW_SECONDS)
        return response
    result = finder.search(query, latitude=latitude, longitude=longitude)
    return render(request, "public/index.html", _with_map(_page_context(result)))


def location_page(request, pk: int):
    location = with_opening_hours(public_locations().select_related("library").filter(pk=pk)).first()
    if location is None:
        raise Http404
    now = timezone.now()
    today = timezone.localtime(now).date()
    (row,) = finder.rows_for([location], now=now)
    hours: dict[int, dict] = {}
    for item in row.hours:
        hours.setdefault(item.hour.pk, {"hour": item.hour, "days": [], "bookable": item.bookable})["days"].append(
            item.day
        )
    exceptions = OpeningException.objects.filter(location=location, date__gte=today).order_by("date", "opens")[:10]
    return render(
        request,
        "public/location.html",
        {
            "location": location,
            "row": row,
            "week": finder.week(location, today=today),
            "weekly": location.opening_hours.all(),
            "exceptions": exceptions,
            "hours": list(hours.values()),
            "point": finder.location_point(location.pk, location.latitude, location.longitude, location.postcode),
            "back_query": request.GET.get("q", ""),
        },
    )
