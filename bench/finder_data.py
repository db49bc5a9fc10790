"""A national set of IDO locations for the public finder benchmark: where they are, when they open, and what takes
place there soon, relative to today.

What the data looks like (see docs/performance.md, "Public finder"):
- 1,000 open locations spread over the country the way people live: each at the centre of a 4-digit postcode area
  (CBS, `ido.geo.reference.gazetteer()`) drawn with the area's inhabitants as weight, a few dozen metres off the
  centre; some 3 % without coordinates (the finder then uses the centre of their postcode area); on top of them a
  few planned and closed locations and the locations of one inactive library, which the finder must skip;
- about 150 libraries, a location in the municipality of its postcode area;
- weekly opening hours (two to five days, sometimes two blocks a day), exceptions (closed days and other hours) in
  the coming weeks for a third of the locations, a few open on public holidays;
- consultation hours of partner organisations at a good half of the locations (weekly, every other week or
  monthly; some bookable by citizens, some walk-in, a few cancelled dates), and course sessions starting in the
  coming eight weeks at a third of them.

Generated from one seeded random generator and today's date, so another day generates it again. On PostgreSQL
(the benchmark) the generator empties the tables it fills; on a new SQLite file (the Lighthouse run) it only adds.
"""

import json
import random
import string
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.database import FINDER_MARKER_TABLE as MARKER_TABLE
from ido.appointments.models import BookingMode, CancelledDate, ConsultationHour, Frequency
from ido.courses.models import Course, CourseKind, Session
from ido.geo.reference import gazetteer
from ido.locations.models import Location, LocationStatus, OpeningException, OpeningHours, Staffing
from ido.organisations.models import Municipality, Organisation
from ido.organisations.roles import OrganisationKind

LIBRARIES = 150
# Besides the open locations: planned and closed ones, and those of a library that is no longer active.
PLANNED, CLOSED, OF_INACTIVE_LIBRARY = 20, 15, 10
WITHOUT_COORDINATES = 0.03
JITTER_DEGREES = 0.0006  # about 65 m north-south, 40 m east-west
PROVIDERS = (
    "Belastingdienst",
    "Dienst Toeslagen",
    "UWV",
    "SVB",
    "Juridisch Loket",
    "Schuldhulpmaatje",
    "Humanitas Thuisadministratie",
    "Sociaal Wijkteam",
    "Seniorweb",
    "DUO",
    "CJIB",
    "VluchtelingenWerk",
)
COURSES = (
    ("Klik & Tik: de basis", CourseKind.DIGITAL_BASICS),
    ("Werken met DigiD", CourseKind.E_GOVERNMENT),
    ("Digisterker: aan de slag met de digitale overheid", CourseKind.E_GOVERNMENT),
    ("Veilig online", CourseKind.SAFE_ONLINE),
    ("Zorg en gezondheid online", CourseKind.HEALTH_APPS),
    ("Uw smartphone of tablet", CourseKind.DIGITAL_BASICS),
)
SPOKEN = ("en", "ar", "tr", "pl", "uk", "de", "fa", "ti", "so", "pap", "fy")
TABLES = (
    "courses_meeting",
    "courses_session",
    "courses_course",
    "appointments_cancelleddate",
    "appointments_consultationhour_topics",
    "appointments_consultationhour",
    "locations_openingexception",
    "locations_openinghours",
    "locations_location",
    "organisations_organisation",
)


@dataclass
class Generation:
    locations: int
    seed: int
    generated_on: str
    seconds: float
    reused: bool = False


def _ensure_marker() -> None:
    kind = "jsonb" if connection.vendor == "postgresql" else "text"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id int PRIMARY KEY, facts {kind} NOT NULL)")


def _recorded() -> Generation | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT facts FROM {MARKER_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    facts = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return Generation(**facts)


def _record(generation: Generation) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (id, facts) VALUES (1, %s)", [json.dumps(asdict(generation))])  # noqa: S608


def ensure_data(*, locations: int, seed: int, log) -> Generation:
    """Generate unless the database holds exactly this data set, generated today."""
    call_command("migrate", verbosity=0)
    _ensure_marker()
    today = timezone.localdate()
    previous = _recorded()
    if (
        previous is not None
        and (previous.locations, previous.seed, previous.generated_on) == (locations, seed, today.isoformat())
        and Location.objects.filter(status=LocationStatus.OPEN, library__is_active=True).count() == locations
    ):
        log(f"Data set present ({locations} open locations, generated today); reusing it.")
        previous.reused = True
        return previous
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        elif Location.objects.exists():
            raise SystemExit("The finder data goes into an empty database (or a PostgreSQL bench database).")
        if not Municipality.objects.exists():
            call_command("import_municipalities", stdout=StringIO())
        _generate(rng, locations=locations, today=today, log=log)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    generation = Generation(
        locations=locations, seed=seed, generated_on=today.isoformat(), seconds=round(time.perf_counter() - started, 1)
    )
    _record(generation)
    log(f"Generated in {generation.seconds:.1f} s.")
    return generation


def _opening_hours(rng: random.Random, location: Location) -> list[OpeningHours]:
    rows = []
    days = sorted(rng.sample(range(6), rng.choice([2, 3, 3, 4, 5])))
    for weekday in days:
        if rng.random() < 0.25:
            blocks = [(clock(9, 30), clock(12, 0)), (clock(13, 30), clock(16, 30))]
        else:
            start = rng.choice([clock(9, 0), clock(10, 0), clock(10, 0), clock(13, 0), clock(14, 0)])
            end = clock(min(start.hour + rng.choice([2, 3, 4]), 20), rng.choice([0, 30]))
            blocks = [(start, end)]
        if weekday == 5:
            blocks = [(clock(10, 0), clock(13, 0))]
        rows += [OpeningHours(location=location, weekday=weekday, opens=o, closes=c) for o, c in blocks]
    return rows


def _exceptions(rng: random.Random, location: Location, today: date) -> list[OpeningException]:
    rows = []
    for offset in sorted(rng.sample(range(-14, 56), rng.choice([1, 1, 2, 3]))):
        day = today + timedelta(days=offset)
        if rng.random() < 0.7:
            rows.append(OpeningException(location=location, date=day, is_closed=True, reason="Teamtraining"))
        else:
            rows.append(
                OpeningException(
                    location=location, date=day, is_closed=False, opens=clock(13, 0), closes=clock(17, 0), reason=""
                )
            )
    return rows


def _generate(rng: random.Random, *, locations: int, today: date, log) -> None:
    log(f"{locations} open locations over the country, weighted by inhabitants …")
    data = gazetteer()
    areas = [area for area in data.areas.values() if area.has_point and (area.inhabitants or 0) > 0]
    municipalities = {m.cbs_code: m for m in Municipality.objects.filter(valid_until__isnull=True)}
    fallback = sorted(municipalities.values(), key=lambda m: m.cbs_code)
    libraries = Organisation.objects.bulk_create(
        [Organisation(kind=OrganisationKind.LIBRARY, name=f"Bibliotheek {n}") for n in range(1, LIBRARIES + 1)]
        + [Organisation(kind=OrganisationKind.LIBRARY, name="Bibliotheek Opgeheven", is_active=False)]
    )
    inactive = libraries.pop()
    providers = Organisation.objects.bulk_create(
        [Organisation(kind=OrganisationKind.PARTNER, name=name) for name in PROVIDERS]
    )
    total = locations + PLANNED + CLOSED + OF_INACTIVE_LIBRARY
    chosen = rng.choices(areas, weights=[area.inhabitants for area in areas], k=total)
    places = []
    for number, area in enumerate(chosen, start=1):
        if number <= locations:
            status, library = LocationStatus.OPEN, libraries[(number - 1) % LIBRARIES]
        elif number <= locations + PLANNED:
            status, library = LocationStatus.PLANNED, libraries[number % LIBRARIES]
        elif number <= locations + PLANNED + CLOSED:
            status, library = LocationStatus.CLOSED, libraries[number % LIBRARIES]
        else:
            status, library = LocationStatus.OPEN, inactive
        located = rng.random() >= WITHOUT_COORDINATES
        in_library = rng.random() < 0.75
        places.append(
            Location(
                library=library,
                municipality=municipalities.get(area.cbs_code) or rng.choice(fallback),
                name=f"IDO {area.place or area.municipality} {number}",
                street=rng.choice(["Stationsplein", "Kerkstraat", "Dorpsstraat", "Marktplein", "Schoolstraat"]),
                house_number=str(rng.randrange(1, 200)),
                postcode=f"{area.pc4} {''.join(rng.choices(string.ascii_uppercase, k=2))}",
                city=area.place or area.municipality,
                latitude=round(area.latitude + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 6) if located else None,
                longitude=round(area.longitude + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 6) if located else None,
                in_library=in_library,
                venue="" if in_library else "Buurthuis De Kroon",
                step_free=rng.random() < 0.8,
                hearing_loop=rng.random() < 0.3,
                accessible_toilet=rng.random() < 0.6,
                quiet_room=rng.random() < 0.4,
                languages=["nl", *rng.sample(SPOKEN, rng.choice([0, 1, 1, 2, 3]))],
                staffing=rng.choice(list(Staffing.values)),
                phone=f"0{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                status=status,
                open_on_public_holidays=rng.random() < 0.05,
            )
        )
    places = Location.objects.bulk_create(places, batch_size=500)
    OpeningHours.objects.bulk_create([row for place in places for row in _opening_hours(rng, place)], batch_size=2000)
    OpeningException.objects.bulk_create(
        [row for place in places if rng.random() < 0.33 for row in _exceptions(rng, place, today)], batch_size=2000
    )
    _consultation_hours(rng, places, providers, today)
    _courses(rng, places, providers + libraries[:10], today)


def _consultation_hours(rng: random.Random, places: list[Location], providers, today: date) -> None:
    hours = []
    for place in places:
        if rng.random() >= 0.55:
            continue
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            frequency = rng.choices(
                [Frequency.WEEKLY, Frequency.EVERY_OTHER_WEEK, Frequency.MONTHLY_NTH_WEEKDAY], weights=[55, 25, 20]
            )[0]
            start = rng.choice([clock(9, 0), clock(10, 0), clock(13, 30), clock(14, 0)])
            provider = rng.choice(providers)
            hours.append(
                ConsultationHour(
                    provider=provider,
                    location=place,
                    title=f"Spreekuur {provider.name}",
                    description="Hulp bij formulieren en brieven.",
                    frequency=frequency,
                    weekdays=str(rng.randrange(5)),
                    nth=rng.choice([1, 2, 3, -1]) if frequency == Frequency.MONTHLY_NTH_WEEKDAY else None,
                    starts_on=today - timedelta(days=rng.randrange(0, 200)),
                    ends_on=today + timedelta(days=rng.randrange(7, 90)) if rng.random() < 0.1 else None,
                    start_time=start,
                    end_time=clock(start.hour + rng.choice([1, 2]), start.minute),
                    slot_minutes=rng.choice([20, 30]),
                    capacity=1,
                    booking_mode=BookingMode.WALK_IN if rng.random() < 0.2 else BookingMode.APPOINTMENT,
                    public_booking=rng.random() < 0.5,
                )
            )
    hours = ConsultationHour.objects.bulk_create(hours, batch_size=1000)
    CancelledDate.objects.bulk_create(
        [
            CancelledDate(consultation_hour=hour, date=today + timedelta(days=rng.randrange(1, 28)), reason="Vakantie")
            for hour in hours
            if rng.random() < 0.1
        ],
        ignore_conflicts=True,
    )


def _courses(rng: random.Random, places: list[Location], providers, today: date) -> None:
    courses = Course.objects.bulk_create(
        [
            Course(
                provider=rng.choice(providers),
                title=title,
                description="Na de cursus kunt u zelf inloggen en uw zaken regelen.",
                kind=kind,
                public_enrolment=rng.random() < 0.6,
            )
            for title, kind in COURSES
            for _ in range(3)
        ]
    )
    tz = timezone.get_current_timezone()
    sessions = []
    for place in places:
        if rng.random() >= 0.33:
            continue
        for _ in range(rng.choice([1, 1, 2, 3])):
            day = today + timedelta(days=rng.randrange(1, 56))
            starts = datetime.combine(day, rng.choice([clock(10, 0), clock(14, 0), clock(19, 0)]), tzinfo=tz)
            sessions.append(
                Session(
                    course=rng.choice(courses),
                    location=place,
                    capacity=rng.choice([6, 8, 10, 12]),
                    taken=rng.randrange(0, 6),
                    starts_at=starts,
                    ends_at=starts + timedelta(weeks=3, hours=2),
                )
            )
    Session.objects.bulk_create(sessions, batch_size=1000)


def facts() -> dict[str, int]:
    open_locations = Location.objects.filter(status=LocationStatus.OPEN, library__is_active=True)
    return {
        "open_locations": open_locations.count(),
        "located": open_locations.filter(latitude__isnull=False).count(),
        "other_locations": Location.objects.count() - open_locations.count(),
        "libraries": Organisation.objects.filter(kind=OrganisationKind.LIBRARY).count(),
        "opening_hours": OpeningHours.objects.count(),
        "exceptions": OpeningException.objects.count(),
        "consultation_hours": ConsultationHour.objects.count(),
        "hour_locations": ConsultationHour.objects.values("location").distinct().count(),
        "sessions": Session.objects.count(),
        "session_locations": Session.objects.values("location").distinct().count(),
        "postcode_areas": sum(1 for area in gazetteer().areas.values() if area.has_point),
    }
