"""A region of consultation hours for the appointments benchmark: locations, providers, recurring hours and the
bookings already made, relative to today.

What the data looks like (see docs/performance.md, "Consultation hours and appointments"):
- one region: locations scattered over a disc of 30 km around Utrecht, a few without coordinates, belonging to a
  handful of libraries, with desk staff;
- consultation hours of partner organisations: mostly weekly, some every other week, some monthly on the n-th
  weekday; mostly personal (one place per slot), a quarter group hours; one to three topics each (the national
  list, plus a few subtopics); booking windows from four weeks to four months; a few cancelled series, walk-in
  hours, ended series and cancelled dates;
- bookings: slots of the last two months mostly taken, the coming weeks filling up, months ahead nearly empty.

Generated from one seeded random generator and today's date, so the data set is made again on another day.
The bench database holds nothing else: the generator empties the tables it fills (TRUNCATE ... CASCADE).
"""

import json
import math
import random
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.database import APPOINTMENTS_MARKER_TABLE as MARKER_TABLE
from ido.accounts.models import User
from ido.appointments import slots as slot_rules
from ido.appointments.models import (
    Appointment,
    AppointmentStatus,
    BookedBy,
    BookingMode,
    CancelledDate,
    ConsultationHour,
    SeriesStatus,
    Slot,
)
from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Membership, Municipality, Organisation, Province
from ido.organisations.roles import OrganisationKind, Role
from ido.registrations.models import Topic

CENTRE = (52.0907, 5.1214)  # Utrecht Centraal
RADIUS_KM = 30.0
HISTORY_DAYS = 60
HORIZON_DAYS = 120
LIBRARIES = 6
# Desk staff of the region's libraries: one per concurrent request of the booking burst.
DESK_STAFF = 50
PROVIDERS = (
    "Belastingdienst",
    "Dienst Toeslagen",
    "UWV",
    "SVB",
    "Juridisch Loket",
    "Schuldhulpmaatje",
    "Humanitas Thuisadministratie",
    "Sociaal Wijkteam",
    "Gemeente, Werk en Inkomen",
    "Seniorweb",
    "Raad voor Rechtsbijstand",
    "Woningcorporatie",
    "Zorgverzekeraar",
    "VluchtelingenWerk",
    "DUO",
    "CJIB",
)
SUBTOPICS = (
    ("bench-income-tax", "taxes", "Aangifte inkomstenbelasting", "Income tax return"),
    ("bench-municipal-tax", "taxes", "Gemeentelijke belastingen", "Municipal taxes"),
    ("bench-rent-allowance", "allowances", "Huurtoeslag", "Rent allowance"),
    ("bench-care-allowance", "allowances", "Zorgtoeslag", "Health care allowance"),
)
TABLES = (
    "appointments_appointment",
    "appointments_slot",
    "appointments_cancelleddate",
    "appointments_consultationhour_topics",
    "appointments_consultationhour",
    "locations_location",
    "organisations_membership",
    "accounts_user",
    "organisations_organisation",
)


@dataclass
class Region:
    locations: int
    hours: int
    seed: int
    generated_on: str
    seconds: float
    reused: bool = False


def _point(rng: random.Random) -> tuple[float, float]:
    """A point uniformly in the disc of RADIUS_KM around the centre."""
    distance = RADIUS_KM * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    latitude = CENTRE[0] + math.degrees(distance * math.cos(bearing) / 6371.0)
    longitude = CENTRE[1] + math.degrees(distance * math.sin(bearing) / (6371.0 * math.cos(math.radians(CENTRE[0]))))
    return round(latitude, 6), round(longitude, 6)


def _ensure_marker() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id int PRIMARY KEY, facts jsonb NOT NULL)")


def _recorded() -> Region | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT facts FROM {MARKER_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    facts = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return Region(**facts)


def _record(region: Region) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, facts) VALUES (1, %s) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET facts = EXCLUDED.facts",
            [json.dumps(asdict(region))],
        )


def ensure_region(*, locations: int, hours: int, seed: int, log) -> Region:
    """Generate unless the database holds exactly this region, generated today."""
    call_command("migrate", verbosity=0)
    _ensure_marker()
    today = timezone.localdate()
    previous = _recorded()
    if (
        previous is not None
        and (previous.locations, previous.hours, previous.seed, previous.generated_on)
        == (locations, hours, seed, today.isoformat())
        and Location.objects.count() == locations
        and ConsultationHour.objects.count() == hours
    ):
        log(f"Region present ({locations} locations, {hours} consultation hours, generated today); reusing it.")
        previous.reused = True
        return previous
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        if not Municipality.objects.exists():
            call_command("import_municipalities", stdout=StringIO())
        _generate(rng, locations=locations, hours=hours, today=today, log=log)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    region = Region(
        locations=locations,
        hours=hours,
        seed=seed,
        generated_on=today.isoformat(),
        seconds=round(time.perf_counter() - started, 1),
    )
    _record(region)
    log(f"Generated in {region.seconds:.1f} s.")
    return region


def _topics() -> list[Topic]:
    for code, parent, label_nl, label_en in SUBTOPICS:
        Topic.objects.get_or_create(
            code=code,
            defaults={"label_nl": label_nl, "label_en": label_en, "parent": Topic.objects.get(code=parent)},
        )
    return list(Topic.objects.filter(retired_on__isnull=True).order_by("pk"))


def _generate(rng: random.Random, *, locations: int, hours: int, today: date, log) -> None:
    log(f"Region: {locations} locations within {RADIUS_KM:.0f} km, {hours} consultation hours …")
    municipalities = list(Municipality.objects.filter(province=Province.UTRECHT, valid_until__isnull=True))
    libraries = Organisation.objects.bulk_create(
        [
            Organisation(kind=OrganisationKind.LIBRARY, name=f"Bibliotheek Regio {number}")
            for number in range(1, LIBRARIES + 1)
        ]
    )
    providers = Organisation.objects.bulk_create(
        [Organisation(kind=OrganisationKind.PARTNER, name=name) for name in PROVIDERS]
    )
    places = []
    for number in range(1, locations + 1):
        # The first location (the desk's own in the benchmark) in the city centre; a few without coordinates.
        latitude, longitude = (CENTRE if number == 1 else _point(rng)) if number % 17 else (None, None)
        places.append(
            Location(
                library=libraries[(number - 1) % LIBRARIES],
                municipality=rng.choice(municipalities),
                name=f"IDO Regio {number}",
                street="Stationsplein",
                house_number=str(number),
                postcode="3511 ED",
                city="Utrecht",
                latitude=latitude,
                longitude=longitude,
                status=LocationStatus.OPEN,
            )
        )
    places = Location.objects.bulk_create(places)
    users = User.objects.bulk_create(
        [
            User(email=f"desk{number}@appointments.bench.test", name=f"Desk {number}", password="!bench")
            for number in range(1, DESK_STAFF + 1)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation=libraries[index % LIBRARIES], role=Role.DESK)
            for index, user in enumerate(users)
        ]
    )
    topics = _topics()
    weights = [rng.lognormvariate(0, 0.8) for _ in places]
    rows, topic_sets = [], []
    for number in range(1, hours + 1):
        frequency = rng.choices(slot_rules.FREQUENCIES, weights=[55, 25, 20])[0]
        weekday = rng.choices(range(6), weights=[18, 22, 20, 22, 14, 4])[0]
        weekdays = {weekday}
        if frequency == slot_rules.WEEKLY and rng.random() < 0.2:
            weekdays.add(rng.randrange(5))
        start_hour = rng.choice([9, 9.5, 10, 10.5, 11, 13, 13.5, 14, 15])
        duration = rng.choice([1, 1.5, 2, 2, 3])
        start = datetime(2000, 1, 1, int(start_hour), int(start_hour % 1 * 60))
        end = start + timedelta(hours=duration)
        capacity = 1 if rng.random() < 0.75 else rng.randrange(2, 9)
        starts_on = today - timedelta(days=rng.randrange(0, 365))
        rows.append(
            ConsultationHour(
                provider=rng.choice(providers),
                location=rng.choices(places, weights=weights)[0],
                title=f"Spreekuur {number}",
                frequency=frequency,
                weekdays=",".join(str(day) for day in sorted(weekdays)),
                nth=rng.choice([1, 2, 3, 4, -1]) if frequency == slot_rules.MONTHLY_NTH_WEEKDAY else None,
                starts_on=starts_on,
                ends_on=today + timedelta(days=rng.randrange(14, 90)) if rng.random() < 0.08 else None,
                start_time=start.time(),
                end_time=end.time(),
                slot_minutes=rng.choice([15, 20, 20, 30, 30, 45, 60]),
                capacity=capacity,
                book_ahead_days=rng.choice([28, 42, 56, 91, 91, 120]),
                book_until_minutes=rng.choice([0, 60, 60, 120, 1440]),
                booking_mode=BookingMode.WALK_IN if rng.random() < 0.06 else BookingMode.APPOINTMENT,
                status=SeriesStatus.CANCELLED if rng.random() < 0.04 else SeriesStatus.ACTIVE,
                skip_public_holidays=rng.random() < 0.9,
            )
        )
        topic_sets.append(rng.sample(topics, rng.choice([1, 1, 2, 2, 3])))
    rows = ConsultationHour.objects.bulk_create(rows)
    ConsultationHour.topics.through.objects.bulk_create(
        [
            ConsultationHour.topics.through(consultationhour_id=hour.pk, topic_id=topic.pk)
            for hour, chosen in zip(rows, topic_sets, strict=True)
            for topic in chosen
        ]
    )
    _cancelled_dates_and_bookings(rng, rows, today, users, libraries, log)


def _fill_chance(days_ahead: int) -> float:
    """How likely a slot is (partly) taken: mostly in the past, filling up for the coming weeks."""
    if days_ahead < 0:
        return 0.7
    return max(0.03, 0.65 * math.exp(-days_ahead / 18))


def _cancelled_dates_and_bookings(rng, hours, today, users, libraries, log) -> None:
    now = timezone.now()
    cancelled, slot_rows, places = [], [], []
    for hour in hours:
        rule = slot_rules.SeriesRule(
            starts_on=hour.starts_on,
            ends_on=hour.ends_on,
            frequency=hour.frequency,
            weekdays=tuple(int(day) for day in hour.weekdays.split(",")),
            nth=hour.nth,
            start_time=hour.start_time,
            end_time=hour.end_time,
            slot_minutes=hour.slot_minutes,
            capacity=hour.capacity,
            skip_public_holidays=hour.skip_public_holidays,
        )
        days = slot_rules.occurrence_dates(rule, today, today + timedelta(days=HORIZON_DAYS))
        off = set(rng.sample(days, min(len(days), rng.choice([0, 0, 0, 1, 2, 3]))))
        cancelled += [CancelledDate(consultation_hour=hour, date=day, reason="Vakantie") for day in sorted(off)]
        if hour.booking_mode != BookingMode.APPOINTMENT:
            continue
        for slot in slot_rules.generate_slots(
            rule, today - timedelta(days=HISTORY_DAYS), today + timedelta(days=HORIZON_DAYS)
        ):
            local_day = slot.starts_at.astimezone(slot_rules.AMSTERDAM).date()
            if local_day in off or rng.random() >= _fill_chance((local_day - today).days):
                continue
            booked = hour.capacity if rng.random() < 0.6 else rng.randrange(1, hour.capacity + 1)
            slot_rows.append(
                Slot(
                    consultation_hour=hour,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    capacity=hour.capacity,
                    booked=booked,
                )
            )
            places.append((booked, slot.starts_at < now))
    CancelledDate.objects.bulk_create(cancelled)
    slot_rows = Slot.objects.bulk_create(slot_rows, batch_size=2000)
    appointments = []
    for slot, (booked, past) in zip(slot_rows, places, strict=True):
        for _ in range(booked):
            index = rng.randrange(len(users))
            status = AppointmentStatus.BOOKED
            if past:
                status = rng.choices(
                    [AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW, AppointmentStatus.BOOKED], [80, 12, 8]
                )[0]
            appointments.append(
                Appointment(
                    slot=slot,
                    status=status,
                    booked_by=BookedBy.DESK,
                    booked_by_user=users[index],
                    booking_organisation=libraries[index % LIBRARIES],
                )
            )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    log(f"  {len(cancelled)} cancelled dates, {len(slot_rows):,} booked slots, {len(appointments):,} appointments")


def facts() -> dict[str, int]:
    """What the region holds, counted in the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT count(*) FROM locations_location),
                      (SELECT count(*) FROM locations_location WHERE latitude IS NOT NULL),
                      (SELECT count(*) FROM appointments_consultationhour),
                      (SELECT count(*) FROM appointments_consultationhour WHERE frequency = 'weekly'),
                      (SELECT count(*) FROM appointments_consultationhour WHERE frequency = 'every_other_week'),
                      (SELECT count(*) FROM appointments_consultationhour WHERE frequency = 'monthly_nth_weekday'),
                      (SELECT count(*) FROM appointments_consultationhour WHERE capacity > 1),
                      (SELECT count(*) FROM appointments_consultationhour
                        WHERE status = 'active' AND booking_mode = 'appointment'),
                      (SELECT count(*) FROM appointments_consultationhour_topics),
                      (SELECT count(DISTINCT provider_id) FROM appointments_consultationhour),
                      (SELECT count(*) FROM appointments_cancelleddate),
                      (SELECT count(*) FROM appointments_slot),
                      (SELECT count(*) FROM appointments_slot WHERE starts_at >= now()),
                      (SELECT count(*) FROM appointments_appointment)"""
        )
        row = cursor.fetchone()
    names = (
        "locations",
        "located",
        "hours",
        "weekly",
        "every_other_week",
        "monthly",
        "group_hours",
        "bookable_hours",
        "hour_topics",
        "providers",
        "cancelled_dates",
        "slot_rows",
        "future_slot_rows",
        "appointments",
    )
    return dict(zip(names, row, strict=True))
