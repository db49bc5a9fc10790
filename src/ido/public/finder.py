"""The public finder: the IDO locations nearest to what a citizen typed, open now or when next, and what takes
place there soon. Reads only; nothing personal goes in or comes out."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone, translation
from django.utils.html import format_html

from ido.appointments import slots as slot_rules
from ido.appointments.models import BookingMode, ConsultationHour, SeriesStatus
from ido.courses.models import Session, SessionStatus
from ido.geo.distance import Ranked, bounding_box, in_netherlands, nearest
from ido.geo.geocoder import GeocodeResult, Spot, get_geocoder
from ido.geo.reference import gazetteer
from ido.locations.models import Location, LocationStatus
from ido.locations.opening_hours import Period, Schedule, dutch_public_holiday, periods_on
from ido.locations.selectors import (
    public_locations,
    schedule_for,
    schedules_for,
    with_opening_status,
)

RESULTS = 10
# What "soon" means for consultation hours and courses in the list and on a location page.
SOON_DAYS = 28
COURSES_PER_LOCATION = 3


def location_point(location_id: int, latitude, longitude, postcode: str) -> tuple[float, float] | None:
    """A location's own coordinates, else the centre of its postcode area."""
    if latitude is not None and longitude is not None:
        return float(latitude), float(longitude)
    area = gazetteer().areas.get((postcode or "")[:4])
    if area is not None and area.has_point:
        return area.latitude, area.longitude  # type: ignore[return-value]
    return None


def _points(locations: QuerySet[Location]) -> Iterable[tuple[int, float, float, str]]:
    for pk, name, latitude, longitude, postcode in locations.values_list(
        "pk", "name", "latitude", "longitude", "postcode"
    ):
        point = location_point(pk, latitude, longitude, postcode)
        if point is not None:
            yield pk, point[0], point[1], f"{name}\x00{pk:012d}"


@dataclass(frozen=True)
class HourDate:
    """One coming date of a consultation hour."""

    hour: ConsultationHour
    day: date

    @property
    def bookable(self) -> bool:
        return self.hour.public_booking and self.hour.booking_mode == BookingMode.APPOINTMENT

    @property
    def walk_in(self) -> bool:
        return self.hour.booking_mode == BookingMode.WALK_IN


@dataclass
class LocationRow:
    location: Location
    distance_km: float | None = None
    point: tuple[float, float] | None = None
    open_until: Period | None = None
    next_opening: Period | None = None
    hours: list[HourDate] = field(default_factory=list)
    courses: list[Session] = field(default_factory=list)

    @property
    def next_hour_dates(self) -> list[HourDate]:
        """The first coming date of each consultation hour, soonest first."""
        seen: set[int] = set()
        firsts = []
        for item in self.hours:
            if item.hour.pk not in seen:
                seen.add(item.hour.pk)
                firsts.append(item)
        return firsts


@dataclass
class FinderResult:
    query: str = ""
    geocoded: GeocodeResult | None = None
    spot: Spot | None = None
    rows: list[LocationRow] = field(default_factory=list)

    @property
    def searched(self) -> bool:
        return self.spot is not None


def coming_hours(
    location_ids: list[int], *, today: date, days: int = SOON_DAYS, now: datetime | None = None
) -> dict[int, list[HourDate]]:
    """The dates of the active consultation hours at these locations from today on, per location, soonest first.
    With `now`, an hour that is already over today is left out: "soon" is its next date."""
    from ido.appointments.services import rule_for

    end = today + timedelta(days=days)
    # One query: each hour joined to its cancelled dates within the window (a row per date, or one without).
    rows = (
        ConsultationHour.objects.select_related("provider")
        .annotate(
            window_cancel=FilteredRelation(
                "cancelled_dates",
                condition=Q(cancelled_dates__date__gte=today, cancelled_dates__date__lte=end),
            ),
            cancelled_on=F("window_cancel__date"),
        )
        .filter(
            location_id__in=location_ids,
            status=SeriesStatus.ACTIVE,
            location__status=LocationStatus.OPEN,
            provider__is_active=True,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("title", "pk")
    )
    hours: dict[int, ConsultationHour] = {}
    cancelled: dict[int, set[date]] = {}
    for row in rows:
        hours.setdefault(row.pk, row)
        if row.cancelled_on is not None:
            cancelled.setdefault(row.pk, set()).add(row.cancelled_on)
    found: dict[int, list[HourDate]] = {}
    local_now = timezone.localtime(now) if now is not None else None
    for hour in hours.values():
        rule = rule_for(hour, frozenset(cancelled.get(hour.pk, ())))
        for day in slot_rules.occurrence_dates(rule, today, end):
            if local_now is not None and day == local_now.date() and hour.end_time <= local_now.time():
                continue
            found.setdefault(hour.location_id, []).append(HourDate(hour, day))
    for dates in found.values():
        dates.sort(key=lambda item: (item.day, item.hour.start_time, item.hour.title))
    return found


def coming_courses(location_ids: list[int], *, now: datetime, days: int = SOON_DAYS * 2) -> dict[int, list[Session]]:
    # As `public_sessions`, for locations already known to be public; only the course is shown (title, price, who
    # enrols), so no join to its provider or the location.
    sessions = Session.objects.select_related("course").filter(
        location_id__in=location_ids,
        status=SessionStatus.OPEN,
        course__active=True,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(days=days),
    )
    found: dict[int, list[Session]] = {}
    for session in sessions.order_by("starts_at", "pk"):
        found.setdefault(session.location_id, []).append(session)
    return found


def rows_for(
    locations: list[Location],
    *,
    now: datetime,
    distances: dict[int, float] | None = None,
    schedules: dict[int, Schedule] | None = None,
) -> list[LocationRow]:
    """Locations with their opening status and what takes place there soon. Without `schedules` the locations
    must come with their hours prefetched (`with_opening_hours`)."""
    ids = [location.pk for location in locations]
    hours = coming_hours(ids, today=timezone.localtime(now).date(), now=now)
    courses = coming_courses(ids, now=now)
    rows = []
    for status in with_opening_status(locations, now, schedules):
        location = status["location"]
        rows.append(
            LocationRow(
                location=location,
                distance_km=(distances or {}).get(location.pk),
                point=location_point(location.pk, location.latitude, location.longitude, location.postcode),
                open_until=status["open_until"],
                next_opening=status["next_opening"],
                hours=hours.get(location.pk, []),
                courses=courses.get(location.pk, []),
            )
        )
    return rows


# The finder reads the locations in a box around the spot (half-widths in km), widening it until the nearest
# `limit` lie well inside; only then can nothing outside the box be nearer. The last step reads them all.
SEARCH_BOX_KM = (25.0, 75.0)
# The nearest must lie within this share of the box's half-width: margin for the curvature of the earth.
INSIDE_SHARE = 0.9


def ranked_nearby(spot: Spot, limit: int) -> list[Ranked[int]]:
    """The `limit` public locations nearest to the spot (ids with distances), nearest first: the same answer as
    ranking all of them, while reading only those in a box around the spot from the database."""
    locations = public_locations().order_by()
    for half_km in SEARCH_BOX_KM:
        south, north, west, east = bounding_box(spot.latitude, spot.longitude, half_km)
        box = Q(latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)
        # Locations without coordinates stand at their postcode area's centre: always candidates.
        candidates = locations.filter(box | Q(latitude__isnull=True) | Q(longitude__isnull=True))
        ranked = nearest(spot.latitude, spot.longitude, _points(candidates), limit=limit)
        if len(ranked) >= limit and ranked[-1].distance_km <= half_km * INSIDE_SHARE:
            return ranked
    return nearest(spot.latitude, spot.longitude, _points(locations), limit=limit)


def nearest_locations(spot: Spot, *, limit: int = RESULTS, now: datetime | None = None) -> list[LocationRow]:
    now = now or timezone.now()
    ranked = ranked_nearby(spot, limit)
    distances = {item.item: item.distance_km for item in ranked}
    # The ranking read only public locations: these ids need no second check.
    by_pk = {location.pk: location for location in Location.objects.filter(pk__in=distances).order_by()}
    ordered = [by_pk[pk] for pk in distances if pk in by_pk]
    return rows_for(ordered, now=now, distances=distances, schedules=schedules_for(ordered))


def position_spot(latitude: str, longitude: str) -> Spot | None:
    """The browser's position ("near me"), if it is a number pair in the Netherlands."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not in_netherlands(lat, lon):
        return None
    return Spot("", round(lat, 3), round(lon, 3), "position", "")


def search(
    query: str = "", *, latitude: str = "", longitude: str = "", limit: int = RESULTS, now: datetime | None = None
) -> FinderResult:
    """Geocode the query (or take the position) and list the nearest open IDO locations."""
    result = FinderResult(query=" ".join(query.split()))
    if latitude or longitude:
        result.spot = position_spot(latitude, longitude)
        if result.spot is None:
            result.geocoded = GeocodeResult(None, "position_outside")
            return result
    else:
        result.geocoded = get_geocoder().geocode(result.query)
        result.spot = result.geocoded.spot
    if result.spot is not None:
        result.rows = nearest_locations(result.spot, limit=limit, now=now)
    return result


def nearby_places(spot: Spot, limit: int = 4) -> list[Spot]:
    """Places near a spot, for suggestions when nothing is near."""
    data = gazetteer()
    candidates = [
        (place, place.latitude, place.longitude, place.name)
        for places in data.places.values()
        for place in places
        if place.inhabitants >= 5000
    ]
    ranked = nearest(spot.latitude, spot.longitude, candidates, limit=limit + 1)
    return [
        Spot(r.item.name, r.item.latitude, r.item.longitude, "place", r.item.name, r.item.cbs_code)
        for r in ranked
        if r.item.name != spot.label
    ][:limit]


# The languages the holiday names come in (python-holidays); other languages get the Dutch name.
HOLIDAY_LANGUAGES = {"nl": "nl", "en": "en_US", "uk": "uk"}


@lru_cache(maxsize=32)
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("NL", years=year, language=language))


def holiday_name(day: date, language: str) -> str | None:
    """The Dutch public holiday on `day`, named in `language` where the holiday data has it."""
    if dutch_public_holiday(day) is None:
        return None
    return _holiday_names(day.year, HOLIDAY_LANGUAGES.get(language, "nl")).get(day)


def week(location: Location, *, today: date) -> list[tuple[date, list[Period], str | None]]:
    """The opening periods of the coming seven days (today first), with the public holiday's name if any. A name
    that the holiday data has only in Dutch is marked as Dutch (`lang="nl"`), so a screen reader reads it so."""
    schedule = schedule_for(location)
    language = translation.get_language() or "nl"
    days = []
    for offset in range(7):
        day = today + timedelta(days=offset)
        name = holiday_name(day, language)
        if name and language not in HOLIDAY_LANGUAGES:
            name = format_html('<span lang="nl">{}</span>', name)
        days.append((day, periods_on(schedule, day), name))
    return days
