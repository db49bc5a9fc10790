"""The measurements: server time of requests through the real URLconf and middleware stack, in-process.

Each request goes through Django's test client (the WSGI handler, every middleware, sessions in the database,
a logged-in user with a verified second factor, CSRF as the client sends it). Its time is taken with
perf_counter around the whole request; the Server-Timing header of bench.views.ServerTimingMiddleware gives the
time inside the middleware stack as a cross-check. Warm-up requests come first; the real and the bare request
alternate, so drift in the machine hits both alike.
"""

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench import views as bench_views
from ido.organisations.models import Membership
from ido.organisations.roles import Role
from ido.registrations.models import Question, Visit
from ido.registrations.selectors import registration_overview

# The three questions of the saved visit: topic, organisation concerned, help given (codes).
SAVE_TOPICS = (
    ("digid", "logius", "explained"),
    ("taxes", "belastingdienst", "done-together"),
    ("allowances", "toeslagen", "referred-organisation"),
)


class SqlMeter:
    """Database time and statement count, through connection.execute_wrapper: from sending a statement to
    having its answer."""

    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1

    def reset(self) -> None:
        self.seconds, self.count = 0.0, 0


@dataclass
class Timing:
    label: str
    samples: list[float] = field(default_factory=list)  # ms, whole request (or call)
    inside: list[float] = field(default_factory=list)  # ms, inside the middleware stack (Server-Timing)
    sql: list[float] = field(default_factory=list)  # ms in the database, same requests
    statements: list[int] = field(default_factory=list)

    def time(self, call: Callable[[], object], meter: SqlMeter):
        meter.reset()
        started = time.perf_counter()
        result = call()
        self.samples.append((time.perf_counter() - started) * 1000)
        self.sql.append(meter.seconds * 1000)
        self.statements.append(meter.count)
        if hasattr(result, "headers") and "Server-Timing" in result.headers:
            self.inside.append(float(result.headers["Server-Timing"].split("dur=")[1]))
        return result

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def sql_ms(self) -> float:
        return statistics.median(self.sql)

    @property
    def python_ms(self) -> float:
        """Median of the time outside the database: Python, templates, the client."""
        return statistics.median(total - sql for total, sql in zip(self.samples, self.sql, strict=True))

    @property
    def queries(self) -> int:
        return round(statistics.median(self.statements))

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]

    @property
    def inside_median(self) -> float | None:
        return statistics.median(self.inside) if self.inside else None


@dataclass
class Subject:
    """Who and where: the library with the most questions in the overview year, unless another is named."""

    library_id: int
    library_name: str
    library_questions: int
    location_id: int
    location_questions_90_days: int
    desk: Membership
    coordinator: Membership


@dataclass
class SaveResults:
    subject: Subject
    save: Timing
    bare: Timing
    form_page: Timing
    iterations: int
    page_statements: list = field(default_factory=list)  # EXPLAIN of the form page's SELECTs after a save

    @property
    def ratio_median(self) -> float:
        return self.save.median / self.bare.median

    @property
    def ratio_p95(self) -> float:
        return self.save.p95 / self.bare.p95


@dataclass
class OverviewResults:
    library_name: str
    questions: int
    visits: int
    view: Timing
    selector: Timing
    iterations: int


@dataclass
class Explained:
    label: str
    plan: str
    execution_ms: float


def verified_client(user) -> Client:
    """A client logged in as after a real password + TOTP login (as tests/conftest.py login_verified)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="Authenticator", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def library_ranking(year: int) -> list[tuple[int, str, int]]:
    """Libraries by their number of questions in the year, most first."""
    start, end = _year_bounds(year)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT q.library_id, o.name, count(*) FROM registrations_question q
               JOIN organisations_organisation o ON o.id = q.library_id
               WHERE q.occurred_at >= %s AND q.occurred_at < %s GROUP BY 1, 2 ORDER BY 3 DESC, 1""",
            [start, end],
        )
        return cursor.fetchall()


def _year_bounds(year: int):
    from ido.registrations.selectors import _period

    return _period(date(year, 1, 1), date(year, 12, 31))


def choose_subject(library_id: int, library_name: str, library_questions: int) -> Subject:
    since = timezone.now() - timedelta(days=90)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT location_id, count(*) FROM registrations_question
               WHERE library_id = %s AND occurred_at >= %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""",
            [library_id, since],
        )
        location_id, recent = cursor.fetchone()
        # The desk member who registered the most visits: the longest history for "same as last visit".
        cursor.execute(
            """SELECT m.id FROM organisations_membership m
               LEFT JOIN registrations_visit v ON v.registered_by_id = m.user_id AND v.library_id = m.organisation_id
               WHERE m.organisation_id = %s AND m.role = %s AND m.ended_at IS NULL
               GROUP BY m.id ORDER BY count(v.id) DESC, m.id LIMIT 1""",
            [library_id, Role.DESK],
        )
        desk_id = cursor.fetchone()[0]
    memberships = Membership.objects.select_related("user", "organisation")
    return Subject(
        library_id=library_id,
        library_name=library_name,
        library_questions=library_questions,
        location_id=location_id,
        location_questions_90_days=recent,
        desk=memberships.get(pk=desk_id),
        coordinator=memberships.get(organisation_id=library_id, role=Role.COORDINATOR, ended_at__isnull=True),
    )


def _visit_post(location_id: int) -> dict[str, str]:
    from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic

    data = {
        "location": str(location_id),
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "walk_in",
        "duration_band": "10_20",
        "age_band": "65_plus",
        "dutch_as_second_language": "no",
        "first_visit": "yes",
        "note": "",
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "10",
    }
    for number, (topic, organisation, help_given) in enumerate(SAVE_TOPICS):
        data[f"q-{number}-topic"] = str(Topic.objects.get(code=topic).pk)
        data[f"q-{number}-service_organisation"] = str(ServiceOrganisation.objects.get(code=organisation).pk)
        data[f"q-{number}-help_given"] = str(HelpGiven.objects.get(code=help_given).pk)
        data[f"q-{number}-solved"] = "yes"
    return data


def measure_save(subject: Subject, *, iterations: int, warmup: int, log) -> SaveResults:
    """(a) POST the real desk form with three questions vs POST the bare one-insert view, alternating."""
    client = verified_client(subject.desk.user)
    bench_views.BARE_TARGET.update(location=subject.location_id, library=subject.library_id)
    new_url, bare_url = reverse("registrations:new"), reverse("bench_bare_insert")
    data = _visit_post(subject.location_id)
    first_new_visit = (Visit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    response = client.post(new_url, data)
    assert response.status_code == 302, f"the save did not redirect: {response.status_code}"
    client.get(new_url)
    saved = Visit.objects.filter(pk__gte=first_new_visit, registered_by=subject.desk.user).latest("pk")
    assert saved.questions.count() == 3 and saved.location_id == subject.location_id
    assert client.post(bare_url, data).status_code == 204

    save, bare, page = Timing("save"), Timing("bare"), Timing("form page")

    def post_save():
        return client.post(new_url, data)

    def post_bare():
        return client.post(bare_url, data)

    def get_page():
        return client.get(new_url)  # the redirect target: shows the saved message, the empty form

    meter = SqlMeter()
    try:
        for _ in range(warmup):
            post_save(), get_page(), post_bare()
        log(f"  {iterations} × save, form page and bare insert, alternating …")
        with connection.execute_wrapper(meter):
            for _ in range(iterations):
                for timing, request, status in ((save, post_save, 302), (page, get_page, 200), (bare, post_bare, 204)):
                    response = timing.time(request, meter)
                    assert response.status_code == status, f"{timing.label}: {response.status_code}"
        post_save()
        page_statements = explain_statements(get_page)
    finally:
        # Leave the data set as generated: the skip check compares the question count.
        Question.objects.filter(visit_id__gte=first_new_visit).delete()
        Visit.objects.filter(pk__gte=first_new_visit).delete()
    return SaveResults(
        subject=subject, save=save, bare=bare, form_page=page, iterations=iterations, page_statements=page_statements
    )


def measure_overview(
    coordinator: Membership, library_name: str, *, year: int, iterations: int, warmup: int
) -> OverviewResults:
    """(b) The coordinator's overview of their library for one calendar year: the view and the selector."""
    client = verified_client(coordinator.user)
    start, end = date(year, 1, 1), date(year, 12, 31)
    url = f"{reverse('registrations:overview')}?start={start.isoformat()}&end={end.isoformat()}&location="
    response = client.get(url)
    assert response.status_code == 200, f"the overview answered {response.status_code}"
    figures = registration_overview(coordinator, start=start, end=end)
    assert figures.questions > 0, "no questions in the overview year"
    view, selector = Timing("overview view"), Timing("overview selector")
    for _ in range(warmup):
        client.get(url)
        registration_overview(coordinator, start=start, end=end)
    meter = SqlMeter()
    with connection.execute_wrapper(meter):
        for _ in range(iterations):
            view.time(lambda: client.get(url), meter)
            selector.time(lambda: registration_overview(coordinator, start=start, end=end), meter)
    return OverviewResults(
        library_name=library_name,
        questions=figures.questions,
        visits=figures.visits,
        view=view,
        selector=selector,
        iterations=iterations,
    )


def explain_overview(coordinator: Membership, *, year: int) -> list[Explained]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the selector sends, exactly as it sends them."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return explain_statements(lambda: registration_overview(coordinator, start=start, end=end))


def explain_statements(call: Callable[[], object]) -> list[Explained]:
    """Run `call`, then EXPLAIN (ANALYZE, BUFFERS) each SELECT it sent, with its own parameters."""
    statements: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    results = []
    for sql, params in statements:
        if not sql.lstrip().upper().startswith("SELECT") or " FOR UPDATE" in sql.upper():
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        execution = next(float(line.split(":")[1].split()[0]) for line in lines if line.startswith("Execution Time"))
        results.append(Explained(label=_describe(sql), plan="\n".join(lines), execution_ms=execution))
    return results


def _columns(clause: str) -> list[str]:
    names: list[str] = []
    for name in re.findall(r'"(\w+)"(?!\.)', clause):  # quoted names not followed by ".": columns, not tables
        if name not in names:
            names.append(name)
    return names


def _describe(sql: str) -> str:
    """A short name for a statement, e.g. "registrations_question GROUP BY topic_id" or
    "registrations_visit WHERE library_id, registered_by_id ORDER BY created_at, id LIMIT"."""
    table = sql.split(" FROM ", 1)[1].split()[0].strip('"')
    if " GROUP BY " in sql:
        column = sql.split("SELECT ", 1)[1].split(",")[0].split(" AS ")[0].split(".")[-1].strip('" ')
        return f"{table} GROUP BY {column}"
    if sql.upper().startswith("SELECT COUNT(*)") or "SELECT COUNT(*)" in sql.upper().split(" FROM ")[0]:
        return f"{table} count(*)"
    label = table
    if " WHERE " in sql:
        where = sql.split(" WHERE ", 1)[1].split(" ORDER BY ")[0].split(" LIMIT ")[0]
        label += " WHERE " + ", ".join(_columns(where))
    if " ORDER BY " in sql:
        label += " ORDER BY " + ", ".join(_columns(sql.split(" ORDER BY ", 1)[1].split(" LIMIT ")[0]))
    if " LIMIT " in sql:
        label += " LIMIT"
    return label
