"""Free-slot search for the desk: which consultation hours in the region have a free place, for this topic, with
this provider, near here, and when.

Reads only, scoped to the one who asks (it starts from `selectors.hours_bookable_by`). A fixed number of queries,
however many hours match: the hours with their location and provider, their cancelled dates in the period, and
the booked places of all their slots in the period. The slots themselves are computed (`slots.py`).

Distance is as the crow flies (haversine) between the coordinates of two locations: the database narrows the
hours down to a bounding box first, Python measures the exact distance. An hour at a location without
coordinates has no distance: it is shown when no maximum distance is asked for, and never when one is.
"""

import math
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, F, Func, Q, QuerySet
from django.utils import timezone

from ido.appointments import selectors
from ido.appointments import slots as slot_rules
from ido.appointments.models import CancelledDate, ConsultationHour, Slot
from ido.appointments.services import rule_for
from ido.geo.distance import bounding_box, distance_km
from ido.locations.models import Location
from ido.organisations.models import Organisation
from ido.registrations.models import Topic

# Enough to fill a page; the desk narrows the search down rather than scrolls further.
DEFAULT_LIMIT = 100
_MOMENT = timedelta(microseconds=1)  # the resolution of a datetime


class FoundSlot(NamedTuple):
    """A slot with at least one free place that the desk can book now. `hour` and `location` carry the fields in
    HOUR_FIELDS only (any other costs a query when read); `distance_km` is None when there is nothing to measure."""

    starts_at: datetime
    ends_at: datetime
    hour: ConsultationHour
    location: Location
    distance_km: float | None
    free: int
    capacity: int


# --- Distance -----------------------------------------------------------------------------------------------


# distance_km and bounding_box live in ido.geo.distance, shared with the public finder and the course finder.


def coordinates(location: Location | None) -> tuple[float, float] | None:
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return float(location.latitude), float(location.longitude)


# --- The search ---------------------------------------------------------------------------------------------


def _topic_filter(topic: Topic) -> Q:
    """Hours about the topic itself, about one of its subtopics (a main topic covers them), or about its main
    topic (an hour on taxes in general also serves a question on one kind of tax)."""
    through = ConsultationHour.topics.through
    related = Q(topic_id=topic.pk) | Q(topic__parent_id=topic.pk)
    if topic.parent_id is not None:
        related |= Q(topic_id=topic.parent_id)
    return Q(pk__in=through.objects.filter(related).values("consultationhour_id"))


def _rule(hour: ConsultationHour, cancelled_dates: frozenset[date]) -> slot_rules.SeriesRule:
    """The series' rule with the cancelled dates read for all hours of the search at once."""
    return rule_for(hour, cancelled_dates)


# What the search and the results page read; any other field of these objects costs a query when touched.
HOUR_FIELDS = (
    "id",
    "title",
    "frequency",
    "weekdays",
    "nth",
    "starts_on",
    "ends_on",
    "start_time",
    "end_time",
    "slot_minutes",
    "capacity",
    "book_ahead_days",
    "book_until_minutes",
    "skip_public_holidays",
    "location__name",
    "location__city",
    "location__latitude",
    "location__longitude",
    "provider__name",
)


def candidate_hours(
    actor,
    *,
    start: date,
    end: date,
    today: date,
    topic: Topic | None = None,
    provider: Organisation | None = None,
    box: tuple[float, float, float, float] | None = None,
) -> QuerySet[ConsultationHour]:
    """The hours the actor can book that may have a bookable slot in [start, end] (today or later): running in
    the period, bookable that far ahead, about the topic, by the provider, inside the box."""
    hours = (
        selectors.hours_bookable_by(actor)
        .filter(starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        # The first day searched must lie within the booking window: today + book_ahead_days.
        .filter(book_ahead_days__gte=(start - today).days)
    )
    if topic is not None:
        hours = hours.filter(_topic_filter(topic))
    if provider is not None:
        hours = hours.filter(provider=provider)
    if box is not None:
        south, north, west, east = box
        hours = hours.filter(
            location__latitude__gte=south,
            location__latitude__lte=north,
            location__longitude__gte=west,
            location__longitude__lte=east,
        )
    # Whole rows of three models cost more to turn into objects than the query takes (a location has a JSON
    # field): only what is used.
    return hours.only(*HOUR_FIELDS)


class _Plan(NamedTuple):
    """One hour in the search: where it is, its rule, and the dates it takes place that can be booked."""

    hour: ConsultationHour
    distance_km: float | None
    rule: slot_rules.SeriesRule
    earliest: datetime  # the first moment a slot may start and still be booked now
    dates: list[date]


def free_slots(
    actor,
    *,
    start: date,
    end: date,
    topic: Topic | None = None,
    provider: Organisation | None = None,
    near: Location | None = None,
    within_km: float | None = None,
    now: datetime | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> list[FoundSlot]:
    """The free slots in [start, end] (local dates) that the actor can book now, earliest first (then nearest):
    at most `limit` of them (None: all).

    `near`: measure distances from this location; `within_km`: only hours at most that far away (needs a `near`
    with coordinates). A slot is left out when it is full, in the past, too soon (book_until_minutes) or too far
    ahead (book_ahead_days), or its date is cancelled or a skipped public holiday.

    Three queries, whatever the number of hours: the hours, their cancelled dates, the booked places.
    """
    now = now or timezone.now()
    today = now.astimezone(slot_rules.AMSTERDAM).date()
    start = max(start, today)
    origin = coordinates(near)
    if within_km is not None and origin is None:
        raise ValueError("a maximum distance needs a location with coordinates to measure from")
    if end < start or limit == 0:
        return []
    box = bounding_box(*origin, within_km) if within_km is not None and origin is not None else None

    hours: list[tuple[ConsultationHour, float | None]] = []
    for hour in candidate_hours(actor, start=start, end=end, today=today, topic=topic, provider=provider, box=box):
        place = coordinates(hour.location)
        distance = None if origin is None or place is None else distance_km(*origin, *place)
        if within_km is None or (distance is not None and distance <= within_km):
            hours.append((hour, distance))
    if not hours:
        return []
    hour_ids = [hour.pk for hour, _distance in hours]
    cancelled = _cancelled_dates(hour_ids, start, end)
    booked = _booked_places(hour_ids, now, end)

    # The slots are gathered hour by hour in this order and then sorted by start time alone: the sort is stable,
    # so slots that start at the same time stay nearest first (no key tuple per slot, less for the collector).
    hours.sort(key=_nearest_first)
    plans = []
    for hour, distance in hours:
        rule = _rule(hour, cancelled.get(hour.pk, frozenset()))
        last_day = min(end, today + timedelta(days=hour.book_ahead_days))
        dates = slot_rules.occurrence_dates(rule, start, last_day)
        if dates:
            # What slots.bookable() says, worked out once per hour: a slot on a date up to today +
            # book_ahead_days can be booked when it starts after now (strictly: one microsecond later is the
            # first moment) and at least book_until_minutes from now.
            earliest = max(now + _MOMENT, now + timedelta(minutes=hour.book_until_minutes))
            plans.append(_Plan(hour, distance, rule, earliest, dates))

    if limit is None:
        found = [slot for plan in plans for slot in _free(plan, plan.dates[0], plan.dates[-1], booked)]
        found.sort(key=_starts_at)
        return found
    # Day by day, so a search for the first page computes the slots of the first days only: every slot of a
    # local date starts before any slot of a later date.
    by_day: dict[date, list[_Plan]] = defaultdict(list)
    for plan in plans:
        for day in plan.dates:
            by_day[day].append(plan)
    found = []
    for day in sorted(by_day):
        for plan in by_day[day]:
            found += _free(plan, day, day, booked)
        if len(found) >= limit:
            break
    found.sort(key=_starts_at)
    return found[:limit]


def _free(plan: _Plan, first: date, last: date, booked) -> list[FoundSlot]:
    """The slots of one hour on the local dates [first, last] that can be booked now and have a place free."""
    hour, location, distance, earliest = plan.hour, plan.hour.location, plan.distance_km, plan.earliest
    taken = booked.get(hour.pk, {})
    found = []
    for slot in slot_rules.generate_slots(plan.rule, first, last):
        if slot.starts_at < earliest:
            continue
        capacity, used = taken.get(slot.starts_at, (slot.capacity, 0))
        if used < capacity:
            found.append(FoundSlot(slot.starts_at, slot.ends_at, hour, location, distance, capacity - used, capacity))
    return found


def _starts_at(slot: FoundSlot) -> datetime:
    return slot.starts_at


def _nearest_first(item: tuple[ConsultationHour, float | None]):
    hour, distance = item
    return math.inf if distance is None else distance, hour.location.name, hour.title, hour.pk


def _cancelled_dates(hour_ids: list[int], start: date, end: date) -> dict[int, frozenset[date]]:
    """The cancelled dates in [start, end] of all the hours, in one query."""
    dates: dict[int, set[date]] = defaultdict(set)
    rows = CancelledDate.objects.filter(consultation_hour_id__in=hour_ids, date__gte=start, date__lte=end)
    for hour_id, day in rows.values_list("consultation_hour_id", "date"):
        dates[hour_id].add(day)
    return {hour_id: frozenset(days) for hour_id, days in dates.items()}


def _booked_places(hour_ids: list[int], now: datetime, end: date) -> dict[int, dict[datetime, tuple[int, int]]]:
    """Capacity and booked places of the slots that have a row, from now to the end of the last day, for all the
    hours in one query. The row's capacity counts: it is what the booking statement checks against."""
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=slot_rules.AMSTERDAM)
    rows = Slot.objects.filter(consultation_hour_id__in=hour_ids, starts_at__gt=now, starts_at__lt=until)
    booked: dict[int, dict[datetime, tuple[int, int]]] = defaultdict(dict)
    if connection.vendor == "postgresql":
        # The start as whole seconds since 1970 (slots start on whole minutes, so nothing is lost): the driver
        # turns each timestamptz into a datetime in Python code, which makes reading the booked slots of a busy
        # region about three times slower.
        seconds = Func(
            F("starts_at"), template="EXTRACT(EPOCH FROM %(expressions)s)::bigint", output_field=BigIntegerField()
        )
        for hour_id, epoch, capacity, used in rows.values_list("consultation_hour_id", seconds, "capacity", "booked"):
            booked[hour_id][datetime.fromtimestamp(epoch, UTC)] = (capacity, used)
        return booked
    for hour_id, starts_at, capacity, used in rows.values_list(
        "consultation_hour_id", "starts_at", "capacity", "booked"
    ):
        booked[hour_id][starts_at] = (capacity, used)
    return booked
