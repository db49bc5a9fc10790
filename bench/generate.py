"""National-scale registrations for the benchmark: libraries, locations, users and years of visits.

The reference rows (municipalities, about 150 library organisations, 700 locations, their staff) are made with
the ORM: they are few. Visits and questions are written as text files in one pass and loaded with PostgreSQL
COPY, with the secondary indexes and foreign keys of those two tables dropped during the load and rebuilt
afterwards from their own definitions, all in one transaction: a failure leaves the schema as the migrations
made it. Everything is drawn from one seeded random generator, so a run with the same arguments gives the same
data.

What the data looks like (see docs/performance.md):
- libraries: the municipalities of each province grouped around its largest ones, ~150 in total;
- locations: at least one per municipality, the rest by population (D'Hondt), at a real PC4 area of that
  municipality (public CBS data in ../shared/data when present);
- visits: weekdays and Saturday mornings, closed on public holidays, busiest in March–May (tax returns) and
  quietest in summer and at Christmas, growing over the years as locations open; 1.3 questions per visit;
- questions: a skewed topic mix (DigiD most frequent, taxes peaking in spring), the organisation concerned
  following from the topic, help given and solved drawn from a fixed mix.
"""

import csv
import json
import math
import random
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import StringIO
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.database import LOCATION_TABLE, MARKER_TABLE
from ido.accounts.models import User
from ido.locations.models import Location, LocationStatus, Staffing
from ido.organisations.models import Membership, Municipality, Organisation
from ido.organisations.roles import OrganisationKind, Role
from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic

POSTCODES = Path(settings.PROJECT_DIR).parent / "shared" / "data" / "postcodes_pc4.csv"
ZONE = ZoneInfo(settings.TIME_ZONE)

# Share of all questions per topic (code → weight), and how much March–May multiplies it.
TOPIC_WEIGHTS = {
    "digid": 20,
    "devices": 11,
    "taxes": 8,
    "allowances": 9,
    "municipal-services": 7,
    "health-care": 6,
    "pension": 5,
    "work-benefits": 5,
    "mijnoverheid": 5,
    "banking": 4,
    "fraud-phishing": 3,
    "driving-licence": 2.5,
    "fines": 2.5,
    "student-finance": 2,
    "housing": 2,
    "civic-integration": 1.5,
    "other": 4.5,
}
SPRING_BOOST = {"taxes": {3: 3.0, 4: 3.5, 5: 2.2}, "allowances": {3: 1.3, 4: 1.4, 5: 1.2}}
# The organisation concerned, given the topic (None: no organisation or unknown).
ORGANISATION_BY_TOPIC: dict[str, dict[str | None, float]] = {
    "digid": {"logius": 55, "gemeente": 10, None: 35},
    "devices": {None: 95, "other": 5},
    "taxes": {"belastingdienst": 90, "gemeente": 5, "waterschap": 5},
    "allowances": {"toeslagen": 92, "belastingdienst": 8},
    "municipal-services": {"gemeente": 95, None: 5},
    "health-care": {"zorgverzekeraar": 60, "cak": 25, "ciz": 10, None: 5},
    "pension": {"svb": 80, "other": 15, None: 5},
    "work-benefits": {"uwv": 80, "gemeente": 15, None: 5},
    "mijnoverheid": {"logius": 70, None: 30},
    "banking": {"bank": 85, None: 15},
    "fraud-phishing": {"bank": 50, None: 50},
    "driving-licence": {"rdw": 55, "cbr": 45},
    "fines": {"cjib": 90, "gemeente": 10},
    "student-finance": {"duo": 95, None: 5},
    "housing": {"woningcorporatie": 55, "huurcommissie": 15, "gemeente": 20, None: 10},
    "civic-integration": {"duo": 75, "gemeente": 25},
    "other": {"other": 50, None: 50},
}
HELP_WEIGHTS = {
    "explained": 44,
    "done-together": 27,
    "referred-organisation": 10,
    "referred-course": 4,
    "self-service": 10,
    "not-helped": 5,
}
SOLVED_WEIGHTS = {"yes": 62, "no": 13, "": 25}
QUESTIONS_PER_VISIT = {1: 78, 2: 15, 3: 5, 4: 1.5, 5: 0.5}
CHANNELS = {"walk_in": 64, "appointment": 26, "phone": 7, "partner_location": 3}
DURATIONS = {"under_10": 28, "10_20": 40, "20_40": 23, "over_40": 9}
AGE_BANDS = {"": 40, "under_25": 5, "25_44": 14, "45_64": 18, "65_plus": 23}
YES_NO = {"": 45, "yes": 25, "no": 30}
FIRST_VISIT = {"": 40, "yes": 28, "no": 32}
# Volume by month (1–12) and weekday (Monday 0); desks open 9–17 on weekdays, Saturday mornings.
MONTH_FACTOR = [0.9, 1.0, 1.35, 1.4, 1.25, 1.0, 0.7, 0.6, 1.0, 1.05, 1.0, 0.75]
WEEKDAY_FACTOR = [1.0, 1.2, 1.0, 1.1, 0.8, 0.3, 0.0]
WEEKDAY_HOURS = {9: 0.7, 10: 1.3, 11: 1.2, 12: 0.6, 13: 0.9, 14: 1.2, 15: 1.0, 16: 0.6}
SATURDAY_HOURS = {10: 1.0, 11: 1.0, 12: 0.7}
STREETS = [
    "Stationsstraat",
    "Kerkstraat",
    "Dorpsstraat",
    "Markt",
    "Molenweg",
    "Schoolstraat",
    "Raadhuisplein",
    "Julianalaan",
    "Wilhelminastraat",
    "Oranjeplein",
    "Beatrixlaan",
    "Hoofdstraat",
    "Nieuwstraat",
    "Emmaplein",
    "Brink",
]
VENUES = ["Buurthuis De Kroon", "Wijkcentrum Het Anker", "Servicepunt Gemeentehuis", "Huis van de Wijk", "MFA De Brug"]


@dataclass
class World:
    """The reference rows the registrations refer to."""

    libraries: list[int]
    locations: list[tuple[int, int, float, date]]  # id, library id, weight, opened on
    staff: dict[int, list[int]]  # library id → user ids who register
    topics: dict[str, int] = field(default_factory=dict)
    organisations: dict[str, int] = field(default_factory=dict)
    help_given: dict[str, int] = field(default_factory=dict)


@dataclass
class Generation:
    questions: int
    visits: int
    locations: int
    libraries: int
    first_day: str
    last_day: str
    seed: int
    seconds: float
    seconds_reference: float = 0.0
    seconds_files: float = 0.0
    seconds_copy: float = 0.0
    seconds_indexes: float = 0.0
    seconds_vacuum: float = 0.0
    generated_at: str = ""
    reused: bool = False


def _cumulative(weights: dict) -> tuple[list, list[float]]:
    return list(weights), list(accumulate(weights.values()))


# --- reference data ---------------------------------------------------------------------------------------


def _municipality_facts() -> tuple[dict[str, int], dict[str, tuple[float, float]], dict[str, list[dict]]]:
    """Inhabitants, a population-weighted centre and the PC4 areas per CBS code (public CBS data)."""
    population: dict[str, int] = defaultdict(int)
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    areas: dict[str, list[dict]] = defaultdict(list)
    if POSTCODES.exists():
        with POSTCODES.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                inhabitants = int(row["inhabitants"] or 0)
                code = row["cbs_code"]
                population[code] += inhabitants
                areas[code].append(row)
                if row["latitude"] and inhabitants:
                    total = sums[code]
                    total[0] += float(row["latitude"]) * inhabitants
                    total[1] += float(row["longitude"]) * inhabitants
                    total[2] += inhabitants
    centres = {code: (lat / n, lon / n) for code, (lat, lon, n) in sums.items() if n}
    return population, centres, areas


def _group_into_libraries(municipalities: list[Municipality], count: int, rng: random.Random, population, centres):
    """Per province, the largest municipalities each get a library; the others join the nearest one."""
    by_province: dict[str, list[Municipality]] = defaultdict(list)
    for municipality in municipalities:
        by_province[municipality.province].append(municipality)
    quotas = {p: count * len(ms) / len(municipalities) for p, ms in by_province.items()}
    seats = {p: max(1, int(q)) for p, q in quotas.items()}
    for province in sorted(quotas, key=lambda p: quotas[p] - int(quotas[p]), reverse=True):
        if sum(seats.values()) >= count:
            break
        seats[province] += 1
    groups: list[list[Municipality]] = []
    for province, members in sorted(by_province.items()):
        ranked = sorted(members, key=lambda m: (-population.get(m.cbs_code, 0), m.cbs_code))
        seeds = ranked[: min(seats[province], len(ranked))]
        province_groups = [[seed] for seed in seeds]
        for municipality in ranked[len(seeds) :]:
            here = centres.get(municipality.cbs_code)
            if here is None:
                province_groups[rng.randrange(len(province_groups))].append(municipality)
                continue

            def distance(group, here=here):
                there = centres.get(group[0].cbs_code, here)
                return (here[0] - there[0]) ** 2 + ((here[1] - there[1]) * math.cos(math.radians(here[0]))) ** 2

            min(province_groups, key=distance).append(municipality)
        groups.extend(province_groups)
    return groups


def _dhondt(population: dict[int, int], seats: int) -> dict[int, int]:
    """Every municipality one location, the remaining seats by population."""
    result = dict.fromkeys(population, 1)
    for _ in range(seats - len(population)):
        best = max(population, key=lambda key: (population[key] / (result[key] + 1), -key))
        result[best] += 1
    return result


def _postcode(rng: random.Random, pc4: str) -> str:
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    return f"{pc4} {rng.choice(letters)}{rng.choice(letters)}"


def build_world(*, libraries: int, locations: int, first_day: date, rng: random.Random) -> World:
    """Create (or reuse) municipalities, libraries, locations and staff."""
    if not Municipality.objects.exists():
        call_command("import_municipalities", stdout=StringIO())
    if Location.objects.count() != locations or Organisation.objects.filter(kind=OrganisationKind.LIBRARY).count() != (
        libraries
    ):
        if Location.objects.exists() or Organisation.objects.exists():
            raise RuntimeError(
                "The bench database holds other libraries or locations than asked for: run with --fresh."
            )
        _create_reference(libraries=libraries, locations=locations, first_day=first_day, rng=rng)
    return _load_world(first_day=first_day)


def _create_reference(*, libraries: int, locations: int, first_day: date, rng: random.Random) -> None:
    population, centres, areas = _municipality_facts()
    municipalities = list(Municipality.objects.filter(valid_until__isnull=True).order_by("cbs_code"))
    if len(municipalities) > locations:
        raise RuntimeError("Ask for at least one location per municipality.")
    groups = _group_into_libraries(municipalities, libraries, rng, population, centres)
    now = timezone.now()
    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(
            [
                Organisation(
                    kind=OrganisationKind.LIBRARY,
                    name=f"Bibliotheek {group[0].name}" + (" e.o." if len(group) > 1 else ""),
                    email=f"info{index}@bibliotheek.bench.test",
                )
                for index, group in enumerate(groups, start=1)
            ]
        )
        library_of: dict[int, Organisation] = {}
        served = []
        for organisation, group in zip(organisations, groups, strict=True):
            for municipality in group:
                library_of[municipality.pk] = organisation
                served.append(
                    Organisation.served_municipalities.through(
                        organisation_id=organisation.pk, municipality_id=municipality.pk
                    )
                )
        Organisation.served_municipalities.through.objects.bulk_create(served)

        seats = _dhondt({m.pk: max(population.get(m.cbs_code, 0), 1000) for m in municipalities}, locations)
        rows, facts = [], []
        span = 6 * 365
        for municipality in municipalities:
            library = library_of[municipality.pk]
            candidates = [a for a in areas.get(municipality.cbs_code, []) if a["latitude"]]
            weights = [int(a["inhabitants"] or 0) + 1 for a in candidates]
            chosen: list[dict] = []
            for _ in range(seats[municipality.pk]):
                if candidates:
                    pick = rng.choices(range(len(candidates)), weights=weights)[0]
                    chosen.append(candidates.pop(pick))
                    weights.pop(pick)
                else:
                    chosen.append({"pc4": str(rng.randrange(1000, 9999)), "place": municipality.name})
            per_location = population.get(municipality.cbs_code, 20_000) / seats[municipality.pk]
            for number, area in enumerate(chosen, start=1):
                place = area.get("place") or municipality.name
                in_library = rng.random() < 0.85
                # Busier desks in bigger places; a third of the network was there from the start.
                weight = rng.lognormvariate(0, 0.45) * (per_location / 50_000) ** 0.35
                opened_on = first_day if rng.random() < 0.35 else first_day + timedelta(days=rng.randrange(span))
                facts.append((weight, opened_on))
                rows.append(
                    Location(
                        library=library,
                        municipality=municipality,
                        name=f"IDO {place} {area['pc4']}" + ("" if number == 1 else f" ({number})"),
                        street=rng.choice(STREETS),
                        house_number=str(rng.randrange(1, 200)),
                        postcode=_postcode(rng, area["pc4"]),
                        city=place,
                        latitude=round(float(area["latitude"]), 6) if area.get("latitude") else None,
                        longitude=round(float(area["longitude"]), 6) if area.get("longitude") else None,
                        in_library=in_library,
                        venue="" if in_library else rng.choice(VENUES),
                        step_free=rng.random() < 0.8,
                        hearing_loop=rng.random() < 0.3,
                        accessible_toilet=rng.random() < 0.6,
                        quiet_room=rng.random() < 0.4,
                        languages=["nl", *rng.sample(["en", "ar", "tr", "pl", "uk"], rng.randrange(3))],
                        staffing=rng.choice([Staffing.STAFF, Staffing.VOLUNTEERS, Staffing.MIXED]),
                        status=LocationStatus.OPEN,
                        phone=f"0{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                        created_at=now,
                        updated_at=now,
                    )
                )
        Location.objects.bulk_create(rows)
        # How busy each desk is and since when it registers: bench facts, not model fields.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {LOCATION_TABLE} (location_id, weight, opened_on) VALUES (%s, %s, %s)",  # noqa: S608
                [(row.pk, weight, opened) for row, (weight, opened) in zip(rows, facts, strict=True)],
            )

        location_counts: dict[int, int] = defaultdict(int)
        for row in rows:
            location_counts[row.library_id] += 1
        users, memberships = [], []
        for index, organisation in enumerate(organisations, start=1):
            people = [("coordinator", Role.COORDINATOR, False)] + [
                (f"desk{n}", Role.DESK, rng.random() < 0.8) for n in range(1, 2 * location_counts[organisation.pk] + 2)
            ]
            for handle, role, volunteer in people:
                user = User(email=f"{handle}.{index}@bench.test", name=f"{handle} {index}", password="!bench")
                users.append(user)
                memberships.append((user, organisation, role, volunteer))
        User.objects.bulk_create(users)
        Membership.objects.bulk_create(
            [
                Membership(user=user, organisation=organisation, role=role, is_volunteer=volunteer)
                for user, organisation, role, volunteer in memberships
            ]
        )


def _load_world(*, first_day: date) -> World:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT location_id, weight, opened_on FROM {LOCATION_TABLE}")  # noqa: S608
        facts = {pk: (weight, opened) for pk, weight, opened in cursor.fetchall()}
    locations = [
        (pk, library_id, *facts.get(pk, (1.0, first_day)))
        for pk, library_id in Location.objects.order_by("pk").values_list("pk", "library_id")
    ]
    staff: dict[int, list[int]] = defaultdict(list)
    for user_id, organisation_id in Membership.objects.filter(
        role__in=[Role.DESK, Role.COORDINATOR], organisation__kind=OrganisationKind.LIBRARY
    ).values_list("user_id", "organisation_id"):
        staff[organisation_id].append(user_id)
    return World(
        libraries=sorted({library for _, library, _, _ in locations}),
        locations=locations,
        staff=dict(staff),
        topics=dict(Topic.objects.values_list("code", "pk")),
        organisations=dict(ServiceOrganisation.objects.values_list("code", "pk")),
        help_given=dict(HelpGiven.objects.values_list("code", "pk")),
    )


# --- registrations ----------------------------------------------------------------------------------------


def _question_mix(world: World, month: int) -> tuple[list[str], list[float]]:
    """(topic id, organisation id or \\N) pairs as COPY text, with cumulative weights for this month."""
    pairs = {}
    for topic, weight in TOPIC_WEIGHTS.items():
        weight *= SPRING_BOOST.get(topic, {}).get(month, 1.0)
        organisations = ORGANISATION_BY_TOPIC[topic]
        total = sum(organisations.values())
        for organisation, share in organisations.items():
            organisation_id = world.organisations[organisation] if organisation else "\\N"
            pairs[f"{world.topics[topic]}\t{organisation_id}"] = weight * share / total
    return _cumulative(pairs)


def _day_factor(day: date, first: date, last: date, closed: set[date]) -> float:
    if day in closed:
        return 0.0
    growth = 0.55 + 0.45 * (day - first).days / max((last - first).days, 1)
    return WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month - 1] * growth


def _utc_offset_seconds(day: date) -> int:
    """Amsterdam's offset at noon that day: desks open well after the 02:00/03:00 switch."""
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=ZONE).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def write_registration_files(world: World, *, questions: int, first: date, last: date, rng: random.Random, folder):
    """Write visits.tsv and questions.tsv (COPY text format) in time order; returns (visits, questions, last day).

    Visits are spread over the days by the day factor times the weight of the locations open by then, each
    visit's location drawn by weight; the last open day ends at exactly `questions` questions."""
    closed = set(holidays.country_holidays("NL", years=range(first.year, last.year + 1)))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    mean_questions = sum(k * w for k, w in QUESTIONS_PER_VISIT.items()) / sum(QUESTIONS_PER_VISIT.values())

    def open_weight(day: date) -> float:
        return sum(weight for _, _, weight, opened in world.locations if opened <= day)

    month_weight: dict[tuple[int, int], float] = {}
    for day in days:
        key = (day.year, day.month)
        if key not in month_weight:
            month_weight[key] = open_weight(max(day.replace(day=1), first))
    demand = [_day_factor(day, first, last, closed) * month_weight[(day.year, day.month)] for day in days]
    # Demand still to come from each day on: every day's expected volume is what remains, spread over it, so
    # the random deviations even out and the last open day takes exactly the rest.
    remaining_demand = list(accumulate(reversed(demand)))[::-1]
    last_open = max(index for index, value in enumerate(demand) if value > 0)

    question_counts, question_cum = _cumulative(QUESTIONS_PER_VISIT)
    help_pairs = {
        f"{world.help_given[h]}\t{s}": hw * sw for h, hw in HELP_WEIGHTS.items() for s, sw in SOLVED_WEIGHTS.items()
    }
    help_values, help_cum = _cumulative(help_pairs)
    channels, channel_cum = _cumulative(CHANNELS)
    durations, duration_cum = _cumulative(DURATIONS)
    ages, age_cum = _cumulative(AGE_BANDS)
    nt2, nt2_cum = _cumulative(YES_NO)
    firsts, first_cum = _cumulative(FIRST_VISIT)
    mixes = {month: _question_mix(world, month) for month in range(1, 13)}

    visit_path, question_path = Path(folder) / "visits.tsv", Path(folder) / "questions.tsv"
    visit_id = question_id = 0
    last_day_written = first
    active: list[tuple[int, int, float, date]] = []
    active_cum: list[float] = []
    current_month = None
    choices, randrange = rng.choices, rng.randrange
    with (
        visit_path.open("w", encoding="ascii", buffering=1 << 22) as visit_file,
        question_path.open("w", encoding="ascii", buffering=1 << 22) as question_file,
    ):
        for index, (day, day_demand) in enumerate(zip(days, demand, strict=True)):
            if question_id >= questions:
                break
            if day_demand == 0:
                continue
            if (day.year, day.month) != current_month:
                current_month = (day.year, day.month)
                active = [loc for loc in world.locations if loc[3] <= max(day.replace(day=1), first)]
                active_cum = list(accumulate(loc[2] for loc in active))
                topic_pairs, topic_cum = mixes[day.month]
            expected = (questions - question_id) / mean_questions * day_demand / remaining_demand[index]
            count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
            if index == last_open:
                count = questions - question_id  # at most this many visits; the loop stops at the target
            if not count:
                continue
            hours = SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS
            offset = _utc_offset_seconds(day)
            moments = sorted(
                hour * 3600 + randrange(3600) - offset for hour in choices(list(hours), list(hours.values()), k=count)
            )
            prefix = f"{day.isoformat()} "
            where = choices(active, cum_weights=active_cum, k=count)
            sizes = choices(question_counts, cum_weights=question_cum, k=count)
            visit_lines, question_lines = [], []
            for seconds, location, size in zip(moments, where, sizes, strict=True):
                size = min(size, questions - question_id)
                if size <= 0:
                    break
                visit_id += 1
                location_id, library_id = location[0], location[1]
                # Most visits are saved at the desk within minutes; some at the end of the day.
                saved = seconds + randrange(30, 900) if rng.random() < 0.9 else max(seconds, 15 * 3600) + 3000
                minutes, second = divmod(seconds, 60)
                at = f"{prefix}{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}+00"
                minutes, second = divmod(saved, 60)
                created = f"{prefix}{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}+00"
                visit_lines.append(
                    f"{visit_id}\t{location_id}\t{library_id}\t{rng.choice(world.staff[library_id])}\t{at}\t"
                    f"{choices(channels, cum_weights=channel_cum)[0]}\t"
                    f"{choices(durations, cum_weights=duration_cum)[0]}\t{choices(ages, cum_weights=age_cum)[0]}\t"
                    f"{choices(nt2, cum_weights=nt2_cum)[0]}\t{choices(firsts, cum_weights=first_cum)[0]}\t\t"
                    f"{created}\t{created}\n"
                )
                topics = choices(topic_pairs, cum_weights=topic_cum, k=size)
                helps = choices(help_values, cum_weights=help_cum, k=size)
                for position in range(size):
                    question_id += 1
                    question_lines.append(
                        f"{question_id}\t{visit_id}\t{position + 1}\t{topics[position]}\t{helps[position]}\t"
                        f"{location_id}\t{library_id}\t{at}\n"
                    )
            visit_file.write("".join(visit_lines))
            question_file.write("".join(question_lines))
            last_day_written = day
    return visit_path, question_path, visit_id, question_id, last_day_written


VISIT_COLUMNS = (
    "id, location_id, library_id, registered_by_id, occurred_at, channel, duration_band, age_band, "
    "dutch_as_second_language, first_visit, note, created_at, updated_at"
)
QUESTION_COLUMNS = (
    "id, visit_id, position, topic_id, service_organisation_id, help_given_id, solved, location_id, library_id, "
    "occurred_at"
)
TABLES = ("registrations_question", "registrations_visit")


def _secondary_structure(cursor, table: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Constraints (foreign keys, unique) and plain indexes of a table, as the SQL that recreates them.
    The primary key stays."""
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname""",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """SELECT indexdef FROM pg_indexes i WHERE tablename = %s AND NOT EXISTS (
               SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
           ORDER BY indexname""",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    return constraints, indexes


def _copy_file(cursor, table: str, columns: str, path: Path) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)") as copy, path.open("rb") as file:
        while chunk := file.read(1 << 20):
            copy.write(chunk)


def load_registrations(visit_path: Path, question_path: Path, timings: dict[str, float]) -> None:
    """Replace all visits and questions by the files, in one transaction (see the module docstring)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        structure = {table: _secondary_structure(cursor, table) for table in TABLES}
        for table, (constraints, indexes) in structure.items():
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for definition in indexes:
                cursor.execute(f"DROP INDEX {definition.split(' ON ')[0].split()[-1]}")
        # Emptied in this transaction, so COPY may write the rows frozen (no later rewrite by VACUUM).
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
        started = time.perf_counter()
        _copy_file(cursor, "registrations_visit", VISIT_COLUMNS, visit_path)
        _copy_file(cursor, "registrations_question", QUESTION_COLUMNS, question_path)
        timings["copy"] = time.perf_counter() - started
        started = time.perf_counter()
        for table, (constraints, indexes) in structure.items():
            for definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        timings["indexes"] = time.perf_counter() - started


def ensure_bench_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id int PRIMARY KEY, facts jsonb NOT NULL)")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {LOCATION_TABLE} "
            "(location_id bigint PRIMARY KEY, weight float8 NOT NULL, opened_on date NOT NULL)"
        )


def recorded_generation() -> Generation | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT facts FROM {MARKER_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    facts = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return Generation(**facts)


def _record(generation: Generation) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, facts) VALUES (1, %s) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET facts = EXCLUDED.facts",
            [json.dumps(generation.__dict__)],
        )


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT count(*) FROM registrations_question), (SELECT count(*) FROM registrations_visit),
                      (SELECT count(*) FROM locations_location),
                      (SELECT count(*) FROM organisations_organisation WHERE kind = 'library'),
                      (SELECT count(*) FROM organisations_municipality),
                      (SELECT count(*) FROM accounts_user)"""
        )
        row = cursor.fetchone()
    return dict(zip(("questions", "visits", "locations", "libraries", "municipalities", "users"), row, strict=True))


def ensure_data(*, questions: int, locations: int, libraries: int, years: int, seed: int, log) -> Generation:
    """Generate unless the database already holds exactly this data set."""
    call_command("migrate", verbosity=0)
    ensure_bench_tables()
    previous = recorded_generation()
    present = counts()
    if (
        previous is not None
        and (previous.questions, previous.locations, previous.libraries, previous.seed)
        == (questions, locations, libraries, seed)
        and present["questions"] == questions
        and present["locations"] == locations
    ):
        log(f"Data present ({questions:,} questions, generated {previous.generated_at}); not generating again.")
        previous.reused = True
        return previous

    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    last = timezone.localdate() - timedelta(days=1)
    first = last.replace(year=last.year - years) + timedelta(days=1)
    log(f"Reference data: {libraries} libraries, {locations} locations …")
    world = build_world(libraries=libraries, locations=locations, first_day=first, rng=rng)
    timings = {"reference": time.perf_counter() - started}
    with tempfile.TemporaryDirectory(prefix="ido-bench-") as folder:
        log(f"Writing {questions:,} questions from {first} to {last} as COPY files …")
        step = time.perf_counter()
        visit_path, question_path, visit_count, question_count, last_written = write_registration_files(
            world, questions=questions, first=first, last=last, rng=rng, folder=folder
        )
        timings["files"] = time.perf_counter() - step
        log(f"  {visit_count:,} visits, {question_count:,} questions in {timings['files']:.0f} s; loading with COPY …")
        load_registrations(visit_path, question_path, timings)
    log(f"  COPY {timings['copy']:.0f} s, indexes and foreign keys {timings['indexes']:.0f} s; VACUUM ANALYZE …")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (*TABLES, "locations_location", "organisations_organisation", "accounts_user"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum"] = time.perf_counter() - step
    generation = Generation(
        questions=question_count,
        visits=visit_count,
        locations=locations,
        libraries=libraries,
        first_day=first.isoformat(),
        last_day=last_written.isoformat(),
        seed=seed,
        seconds=round(time.perf_counter() - started, 1),
        seconds_reference=round(timings["reference"], 1),
        seconds_files=round(timings["files"], 1),
        seconds_copy=round(timings["copy"], 1),
        seconds_indexes=round(timings["indexes"], 1),
        seconds_vacuum=round(timings["vacuum"], 1),
        generated_at=timezone.now().isoformat(timespec="seconds"),
    )
    _record(generation)
    log(f"Generated in {generation.seconds:.0f} s.")
    return generation
