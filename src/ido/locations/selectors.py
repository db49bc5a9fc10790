"""Reads of IDO locations, scoped to the one who asks (a Membership or an API token's actor)."""

from datetime import datetime, timedelta

from django.db.models import DateField, Prefetch, QuerySet, Value
from django.utils import timezone

from ido.locations.models import Location, LocationStatus, OpeningException, OpeningHours
from ido.locations.opening_hours import Block, Schedule, current_period, next_opening
from ido.organisations.roles import OrganisationKind


def locations_visible_to(actor) -> QuerySet[Location]:
    locations = Location.objects.select_related("library", "municipality")
    if actor.has_perm("locations.view_all"):
        return locations
    if not actor.has_perm("locations.view"):
        return locations.none()
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.LIBRARY:
        return locations.filter(library=organisation)
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return locations.filter(municipality_id=organisation.municipality_id)
    return locations.none()


def locations_manageable_by(actor) -> QuerySet[Location]:
    if not actor.has_perm("locations.manage"):
        return Location.objects.none()
    return locations_visible_to(actor)


def with_opening_hours(locations: QuerySet[Location]) -> QuerySet[Location]:
    """Prefetch the weekly hours and the exceptions from yesterday on (older ones never matter for "now")."""
    since = timezone.localdate() - timedelta(days=1)
    return locations.prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
        Prefetch(
            "opening_exceptions",
            queryset=OpeningException.objects.filter(date__gte=since).order_by("date", "opens"),
        ),
    )


def schedule_for(location: Location) -> Schedule:
    """The pure-function view of a location's hours. Uses prefetched rows when they are there."""
    weekly: dict[int, list[Block]] = {}
    for row in location.opening_hours.all():
        weekly.setdefault(row.weekday, []).append(Block(row.opens, row.closes))
    exceptions: dict = {}
    for row in location.opening_exceptions.all():
        blocks = exceptions.setdefault(row.date, [])
        if not row.is_closed:
            blocks.append(Block(row.opens, row.closes))
    return Schedule(
        weekly={day: tuple(blocks) for day, blocks in weekly.items()},
        exceptions={day: tuple(blocks) for day, blocks in exceptions.items()},
        closed_on_public_holidays=not location.open_on_public_holidays,
    )


def schedules_for(locations: list[Location]) -> dict[int, Schedule]:
    """The schedules of many locations in two plain queries (weekly hours; exceptions from yesterday on), without
    building model objects: for lists that show "open now" but not the hours themselves."""
    ids = [location.pk for location in locations]
    weekly: dict[int, dict[int, list[Block]]] = {pk: {} for pk in ids}
    exceptions: dict[int, dict] = {pk: {} for pk in ids}
    since = timezone.localdate() - timedelta(days=1)
    # One round trip: the weekly blocks (no date) and the exceptions (a date; closed or open at other times).
    hours = (
        OpeningHours.objects.filter(location_id__in=ids)
        .order_by()
        .values_list("location_id", Value(None, output_field=DateField()), "weekday", Value(False), "opens", "closes")
    )
    changed = (
        OpeningException.objects.filter(location_id__in=ids, date__gte=since)
        .order_by()
        .values_list("location_id", "date", Value(-1), "is_closed", "opens", "closes")
    )
    for location_id, day, weekday, is_closed, opens, closes in hours.union(changed, all=True):
        if day is None:
            weekly[location_id].setdefault(weekday, []).append(Block(opens, closes))
        else:
            blocks = exceptions[location_id].setdefault(day, [])
            if not is_closed:
                blocks.append(Block(opens, closes))
    return {
        location.pk: Schedule(
            weekly={day: tuple(blocks) for day, blocks in weekly[location.pk].items()},
            exceptions={day: tuple(blocks) for day, blocks in exceptions[location.pk].items()},
            closed_on_public_holidays=not location.open_on_public_holidays,
        )
        for location in locations
    }


def with_opening_status(
    locations, now: datetime | None = None, schedules: dict[int, Schedule] | None = None
) -> list[dict]:
    """Each location with the opening period it is in now (or None) and its next opening. `schedules` (from
    `schedules_for`) saves reading the hours per location."""
    now = now or timezone.now()
    rows = []
    for location in locations:
        row = {"location": location, "open_until": None, "next_opening": None}
        # Planned and closed locations have no opening to show; the search ahead is the costly part.
        if location.status == LocationStatus.OPEN:
            schedule = schedules[location.pk] if schedules is not None else schedule_for(location)
            row["open_until"] = current_period(schedule, now)
            row["next_opening"] = next_opening(schedule, now)
        rows.append(row)
    return rows


def public_locations() -> QuerySet[Location]:
    """Open IDO locations, for everyone (no login): what the public pages may show."""
    return Location.objects.filter(status=LocationStatus.OPEN, library__is_active=True).select_related("municipality")
