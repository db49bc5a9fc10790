"""Open data: all public location data as Open Referral (HSDS 3.0) JSON and as CSV, the public consultation hours
as iCalendar, and the JSON Schema of the HSDS document, at fixed addresses documented on /open-data/.

Only what the public finder shows goes out: open locations of active libraries (`public_locations()`), and the
active consultation hours there; nothing about people. The files are the same for everyone (Dutch texts whatever
the visitor's language), so they are cacheable: Cache-Control public for an hour, an ETag from the content (a
matching If-None-Match answers 304), and CORS open to every site, because open data is for other websites too.
"""

import csv
import hashlib
import io
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ido.appointments.calendars import feed
from ido.appointments.models import ConsultationHour, SeriesStatus
from ido.locations.models import Location
from ido.locations.selectors import public_locations, with_opening_hours
from ido.public import hsds
from ido.public.finder import location_point

# How long browsers and shared caches may keep a file before asking again (with If-None-Match).
CACHE_SECONDS = 3600
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "hsds-locations.schema.json"
JSON_FILENAME = "ido-locations.json"
CSV_FILENAME = "ido-locations.csv"
ICS_FILENAME = "consultation-hours.ics"
SCHEMA_FILENAME = "hsds-locations.schema.json"

CSV_COLUMNS = [
    "id",
    "hsds_id",
    "name",
    "organisation",
    "municipality",
    "cbs_code",
    "street",
    "house_number",
    "postcode",
    "place",
    "latitude",
    "longitude",
    "coordinates_source",
    "phone",
    "email",
    "accessibility",
    "languages",
    "opening_hours",
    "exceptions",
    "url",
]
# OpenStreetMap's opening_hours syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours), Monday first.
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _absolute(name: str) -> str:
    return settings.IDO_BASE_URL + reverse(name)


def open_locations() -> QuerySet[Location]:
    """The public locations with everything the files show, in a fixed order."""
    return with_opening_hours(public_locations().select_related("library", "municipality")).order_by("pk")


def public_consultation_hours() -> QuerySet[ConsultationHour]:
    """Active consultation hours of active providers at public locations that have not ended."""
    return (
        ConsultationHour.objects.filter(
            status=SeriesStatus.ACTIVE,
            location__in=public_locations(),
            provider__is_active=True,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
        .select_related("location", "provider")
        .prefetch_related("cancelled_dates")
        .order_by("location__name", "title", "pk")
    )


# --- the files --------------------------------------------------------------------------------------------------


def locations_document() -> dict:
    return hsds.build_document(
        open_locations(),
        today=timezone.localdate(),
        base_url=settings.IDO_BASE_URL,
        schema_url=_absolute("public:open_data_schema"),
    )


def _cell(value) -> str:
    """A text cell that a spreadsheet does not take for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def osm_opening_hours(location: Location) -> str:
    """The weekly hours in OpenStreetMap syntax, e.g. "Mo-We 10:00-17:00; Th 10:00-12:30,13:00-20:00; PH off";
    empty when the location has no weekly hours."""
    days: dict[int, list[str]] = {}
    for row in location.opening_hours.all():
        days.setdefault(row.weekday, []).append(f"{row.opens:%H:%M}-{row.closes:%H:%M}")
    parts = []
    day = 0
    while day < 7:
        blocks = sorted(days.get(day, []))
        if not blocks:
            day += 1
            continue
        last = day
        while last + 1 < 7 and sorted(days.get(last + 1, [])) == blocks:
            last += 1
        span = OSM_DAYS[day] if last == day else f"{OSM_DAYS[day]}-{OSM_DAYS[last]}"
        parts.append(f"{span} {','.join(blocks)}")
        day = last + 1
    if parts and not location.open_on_public_holidays:
        parts.append("PH off")
    return "; ".join(parts)


def _exceptions_text(location: Location, today) -> str:
    return "; ".join(
        f"{row.date.isoformat()} closed"
        if row.is_closed
        else f"{row.date.isoformat()} {row.opens:%H:%M}-{row.closes:%H:%M}"
        for row in hsds.coming_exceptions(location, today=today)
    )


def _coordinates(location: Location) -> tuple[str, str, str]:
    """Latitude, longitude and where they come from: the location itself or the centre of its postcode area."""
    point = location_point(location.pk, location.latitude, location.longitude, location.postcode)
    if point is None:
        return "", "", ""
    source = "location" if location.latitude is not None and location.longitude is not None else "postcode_area"
    return f"{point[0]:.6f}", f"{point[1]:.6f}", source


def locations_csv_content() -> bytes:
    """One row per public location. Comma-separated UTF-8 (RFC 4180), with a header of fixed English names."""
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for location in open_locations():
        latitude, longitude, source = _coordinates(location)
        writer.writerow(
            [
                location.pk,
                hsds.location_id(location),
                _cell(location.name),
                _cell(location.library.name),
                _cell(location.municipality.name),
                location.municipality.cbs_code,
                _cell(location.street),
                _cell(location.house_number),
                _cell(hsds.postcode(location)),
                _cell(location.city),
                latitude,
                longitude,
                source,
                _cell(location.phone),
                _cell(location.email),
                ";".join(hsds.accessibility_codes(location)),
                _cell(";".join(location.languages)),
                osm_opening_hours(location),
                _exceptions_text(location, today),
                settings.IDO_BASE_URL + reverse("public:location", kwargs={"pk": location.pk}),
            ]
        )
    return out.getvalue().encode("utf-8")


def consultation_hours_content() -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return feed(public_consultation_hours(), name=_("Consultation hours at IDO help points"))


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return SCHEMA_FILE.read_text(encoding="utf-8")


def schema_document() -> dict:
    """The shipped JSON Schema, with its published address as $id."""
    return {"$id": _absolute("public:open_data_schema"), **json.loads(_schema_text())}


def _json_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# --- the responses ----------------------------------------------------------------------------------------------


def _without_dtstamp(content: bytes) -> bytes:
    """The calendar without its DTSTAMP lines, which say when the file was made, not what is in it."""
    return b"\n".join(line for line in content.splitlines() if not line.startswith(b"DTSTAMP"))


def open_data_response(
    request,
    content: bytes,
    *,
    content_type: str,
    filename: str,
    attachment: bool = False,
    etag_of: bytes | None = None,
) -> HttpResponse:
    """The file with its cache headers and CORS, or 304 Not Modified when the client has this version.
    `etag_of`: what the ETag hashes when that is not the content itself (then the ETag is weak)."""
    digest = hashlib.sha256(content if etag_of is None else etag_of).hexdigest()[:32]
    response = HttpResponse(content, content_type=content_type)
    response["ETag"] = f'"{digest}"' if etag_of is None else f'W/"{digest}"'
    response["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    answer = get_conditional_response(request, etag=response["ETag"], response=response) or response
    answer["Access-Control-Allow-Origin"] = "*"
    return answer


# --- the views --------------------------------------------------------------------------------------------------


@require_safe
def overview(request):
    """The documentation page: what there is, where, in which format and under which licence."""
    context = {
        "json_url": _absolute("public:open_data_json"),
        "csv_url": _absolute("public:open_data_csv"),
        "ics_url": _absolute("public:open_data_ics"),
        "schema_url": _absolute("public:open_data_schema"),
        "location_count": public_locations().count(),
        "hour_count": public_consultation_hours().count(),
        "cache_minutes": CACHE_SECONDS // 60,
        "licence": hsds.LICENCE,
        "hsds_version": hsds.HSDS_VERSION,
        "csv_columns": CSV_COLUMNS,
    }
    return render(request, "public/open_data.html", context)


@require_safe
def locations_json(request):
    return open_data_response(
        request, _json_bytes(locations_document()), content_type="application/json", filename=JSON_FILENAME
    )


@require_safe
def locations_csv(request):
    return open_data_response(
        request,
        locations_csv_content(),
        content_type="text/csv; charset=utf-8; header=present",
        filename=CSV_FILENAME,
        attachment=True,
    )


@require_safe
def consultation_hours_ics(request):
    content = consultation_hours_content()
    return open_data_response(
        request,
        content,
        content_type="text/calendar; charset=utf-8",
        filename=ICS_FILENAME,
        etag_of=_without_dtstamp(content),
    )


@require_safe
def schema(request):
    return open_data_response(
        request, _json_bytes(schema_document()), content_type="application/schema+json", filename=SCHEMA_FILENAME
    )
