"""The measurements of the appointments benchmark, in-process on the bench database.

- Free-slot search: `search.free_slots` called directly, as the desk page calls it, for a region-wide search
  three months ahead with and without filters; the scenarios take turns, so drift in the machine hits all alike.
  Beside it: the page itself through the test client (real URLconf and middleware), and the way the hour page
  works out its slots (`selectors.slots_with_places`, one hour at a time) applied to every hour of the region,
  as the reference that the search replaces.
- Booking burst: as many threads as desk members, each with its own database connection (opened before the
  start), released together by a barrier, each booking the last place of the same slot through
  `services.book`. Exactly one may succeed.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock

from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from bench.measure import SqlMeter, Timing, verified_client
from ido.appointments import search, selectors, services
from ido.appointments import slots as slot_rules
from ido.appointments.models import Appointment, ConsultationHour, Slot
from ido.locations.models import Location
from ido.organisations.models import Membership, Organisation
from ido.organisations.roles import Role
from ido.registrations.models import Topic

WEEKS = 13  # three months ahead
PAGE_LIMIT = search.DEFAULT_LIMIT


@dataclass
class Subject:
    desk: Membership
    home: Location
    topic: Topic
    provider: Organisation
    start: date
    end: date


@dataclass
class SearchResult:
    label: str
    criteria: str
    timing: Timing
    hours: int  # hours the database hands over (after the SQL filters)
    results: int  # slots returned
    limit: int | None


@dataclass
class BurstResult:
    threads: int
    rounds: int
    capacity: int
    samples: list[float] = field(default_factory=list)  # ms per request, from the barrier's release
    walls: list[float] = field(default_factory=list)  # ms per round, release to the last answer
    outcomes: Counter = field(default_factory=Counter)
    winners_per_round: list[int] = field(default_factory=list)
    booked_after: list[tuple[int, int]] = field(default_factory=list)  # (booked, capacity) of each raced slot

    def _timing(self) -> Timing:
        return Timing("burst", samples=self.samples)

    @property
    def median(self) -> float:
        return self._timing().median

    @property
    def p95(self) -> float:
        return self._timing().p95

    @property
    def slowest(self) -> float:
        return max(self.samples)

    @property
    def exactly_one_each_round(self) -> bool:
        return all(count == 1 for count in self.winners_per_round) and all(
            booked == capacity for booked, capacity in self.booked_after
        )


def choose_subject() -> Subject:
    """The first desk member of the library of the region's first location (in the centre); the most common
    main topic among the hours; the provider with the most hours."""
    home = Location.objects.get(name="IDO Regio 1")
    desk = (
        Membership.objects.select_related("user", "organisation")
        .filter(organisation=home.library, role=Role.DESK)
        .order_by("pk")
        .first()
    )
    assert desk is not None
    provider = Organisation.objects.get(
        pk=ConsultationHour.objects.values("provider").annotate(n=Count("id")).order_by("-n", "provider")[0]["provider"]
    )
    today = timezone.localdate()
    return Subject(
        desk=desk,
        home=home,
        topic=Topic.objects.get(code="taxes"),
        provider=provider,
        start=today,
        end=today + timedelta(weeks=WEEKS, days=-1),
    )


def scenarios(subject: Subject) -> list[tuple[str, str, dict]]:
    """(label, what it asks, keyword arguments of free_slots)."""
    topic, provider, home = subject.topic, subject.provider, subject.home
    return [
        ("region", "no filters, the first 100 (a page)", {"limit": PAGE_LIMIT}),
        ("region-all", "no filters, every free slot", {"limit": None}),
        (
            "topic",
            f"topic “{topic.label_en}” (a main topic, with its subtopics)",
            {"topic": topic, "limit": PAGE_LIMIT},
        ),
        ("provider", f"provider “{provider.name}”", {"provider": provider, "limit": PAGE_LIMIT}),
        ("near-10", f"within 10 km of {home.name}", {"near": home, "within_km": 10, "limit": PAGE_LIMIT}),
        (
            "topic-near-25",
            f"topic “{topic.label_en}” within 25 km",
            {"topic": topic, "near": home, "within_km": 25, "limit": PAGE_LIMIT},
        ),
    ]


def measure_search(subject: Subject, *, runs: int, warmup: int, log) -> list[SearchResult]:
    cases = scenarios(subject)
    results: list[SearchResult] = []
    calls = []
    for label, criteria, arguments in cases:

        def call(arguments=arguments):
            return search.free_slots(subject.desk, start=subject.start, end=subject.end, **arguments)

        found = call()
        hours = search.candidate_hours(
            subject.desk,
            start=subject.start,
            end=subject.end,
            today=timezone.localdate(),
            topic=arguments.get("topic"),
            provider=arguments.get("provider"),
            box=search.bounding_box(*search.coordinates(subject.home), arguments["within_km"])
            if "within_km" in arguments
            else None,
        ).count()
        results.append(SearchResult(label, criteria, Timing(label), hours, len(found), arguments["limit"]))
        calls.append(call)
    for _ in range(warmup):
        for call in calls:
            call()
    meter = SqlMeter()
    with connection.execute_wrapper(meter):
        for run in range(runs):
            for result, call in zip(results, calls, strict=True):
                result.timing.time(call, meter)
            if (run + 1) % max(1, runs // 4) == 0:
                log(f"  {run + 1}/{runs} rounds")
    return results


def per_hour_reference(subject: Subject, *, runs: int, warmup: int) -> tuple[Timing, int]:
    """Every hour of the region, one at a time, as the hour page works out its slots: `slots_with_places`
    (the cancelled dates and the booked places read per hour), keeping the bookable slots with a place free."""
    now = timezone.now()

    def call():
        found = []
        for hour in selectors.hours_bookable_by(subject.desk):
            last_day = min(subject.end, subject.start + timedelta(days=hour.book_ahead_days))
            found += [
                (slot.starts_at, hour.pk)
                for slot in selectors.slots_with_places(hour, subject.start, last_day, now=now)
                if slot.bookable and slot.free > 0
            ]
        return sorted(found)

    count = len(call())
    for _ in range(warmup):
        call()
    timing, meter = Timing("per hour"), SqlMeter()
    with connection.execute_wrapper(meter):
        for _ in range(runs):
            timing.time(call, meter)
    return timing, count


def measure_page(subject: Subject, *, runs: int, warmup: int) -> list[tuple[str, Timing]]:
    """GET the desk page, three months ahead: without filters, and by topic within 25 km."""
    client = verified_client(subject.desk.user)
    url = reverse("appointments:free_slots")
    pages = [
        ("no filters", {"weeks": str(WEEKS), "near": str(subject.home.pk)}),
        (
            f"topic “{subject.topic.label_en}” within 25 km",
            {"weeks": str(WEEKS), "near": str(subject.home.pk), "topic": str(subject.topic.pk), "within_km": "25"},
        ),
    ]
    for _label, query in pages:
        response = client.get(url, query)
        assert response.status_code == 200, f"the search page answered {response.status_code}"
        assert b"?slot=" in response.content, "the search page found no free slot"
    timings = [(label, Timing(label)) for label, _query in pages]
    for _ in range(warmup):
        for _label, query in pages:
            client.get(url, query)
    meter = SqlMeter()
    with connection.execute_wrapper(meter):
        for _ in range(runs):
            for (_label, timing), (_same, query) in zip(timings, pages, strict=True):
                timing.time(lambda query=query: client.get(url, query), meter)
    return timings


def booking_burst(subject: Subject, *, threads: int, rounds: int, capacity: int, log) -> BurstResult:
    """`rounds` times: a slot with one place left, and `threads` desk members booking it at the same moment."""
    desks = list(
        Membership.objects.select_related("user", "organisation").filter(role=Role.DESK).order_by("pk")[:threads]
    )
    if len(desks) < threads:
        raise SystemExit(f"The region has {len(desks)} desk members; the burst needs {threads}.")
    today = timezone.localdate()
    hour = ConsultationHour.objects.create(
        provider=subject.provider,
        location=subject.home,
        title="Burst",
        weekdays="0,1,2,3,4,5,6",
        starts_on=today,
        start_time=clock(10),
        end_time=clock(16),
        slot_minutes=20,
        capacity=capacity,
        book_ahead_days=28,
        book_until_minutes=0,
        skip_public_holidays=False,
    )
    result = BurstResult(threads=threads, rounds=rounds, capacity=capacity)
    try:
        raced = slot_rules.generate_slots(services.rule_for(hour), today + timedelta(days=2), today + timedelta(days=9))
        for number, slot in enumerate(raced[:rounds], start=1):
            for place in range(capacity - 1):
                services.book(
                    actor=desks[0],
                    consultation_hour=hour,
                    starts_at=slot.starts_at,
                    details=services.VisitorDetails(name=f"V{place}"),
                )
            _race(result, hour.pk, slot.starts_at, desks)
            row = Slot.objects.get(consultation_hour=hour, starts_at=slot.starts_at)
            result.booked_after.append((row.booked, row.capacity))
            log(
                f"  round {number}: {result.winners_per_round[-1]} booked, "
                f"{threads - result.winners_per_round[-1]} refused, {result.walls[-1]:.0f} ms in all"
            )
    finally:
        Appointment.objects.filter(slot__consultation_hour=hour).delete()
        Slot.objects.filter(consultation_hour=hour).delete()
        hour.delete()
    return result


def _race(result: BurstResult, hour_pk: int, starts_at, desks: list[Membership]) -> None:
    barrier = threading.Barrier(len(desks) + 1)
    lock = threading.Lock()
    answers: list[tuple[str, float, float]] = []

    def request(desk: Membership, number: int) -> None:
        outcome, started, ended = "error: did not start", time.perf_counter(), time.perf_counter()
        try:
            # Its own connection and its own copy of the hour, before the start.
            hour = ConsultationHour.objects.select_related("location").get(pk=hour_pk)
            barrier.wait(timeout=60)
            started = time.perf_counter()
            try:
                services.book(
                    actor=desk,
                    consultation_hour=hour,
                    starts_at=starts_at,
                    details=services.VisitorDetails(name=f"R{number}"),
                )
                outcome = "booked"
            except ValidationError:
                outcome = "full"
            except Exception as error:  # counted and reported, never hidden
                outcome = f"error: {error!r}"
            ended = time.perf_counter()
        finally:
            connections.close_all()
        with lock:
            answers.append((outcome, started, ended))

    workers = [threading.Thread(target=request, args=(desk, n)) for n, desk in enumerate(desks)]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=60)
    released = time.perf_counter()
    for worker in workers:
        worker.join()
    result.samples += [(ended - started) * 1000 for _outcome, started, ended in answers]
    result.walls.append((max(ended for _outcome, _started, ended in answers) - released) * 1000)
    outcomes = Counter(outcome for outcome, _started, _ended in answers)
    result.outcomes.update(outcomes)
    result.winners_per_round.append(outcomes.get("booked", 0))
