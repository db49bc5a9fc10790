"""`python -m bench finder`: the public finder's nearest-location search for every Dutch 4-digit postcode, over
1,000 IDO locations, on PostgreSQL; the result page's bytes; writes the "Public finder" section of
docs/performance.md.

Run it through `make bench-finder` or `bench/run.sh finder`, which start PostgreSQL and set DATABASE_URL. It uses
a database of its own: the name in DATABASE_URL with `_finder` added (or --database). The Lighthouse scores in the
same section come from `python -m bench lighthouse` (bench/lighthouse.py).

What is measured, in one process, after warm-up:
- the full search, `ido.public.finder.search(pc4)`, as the front page calls it: geocoding, the nearest ten of all
  public locations, their opening status, and the consultation hours and courses coming up there; for every
  postcode area with a point, in a shuffled order;
- the geocoding and ranking alone (`ido.geo.geocoder`, `ido.geo.distance.nearest` over the locations' points,
  read once), for the same postcodes;
- the result page and the location page through Django's test client (the real URLconf, middleware and
  templates), for a sample;
- the bytes of the result page and of the CSS, JavaScript and icon it links, gzip-compressed.
"""

import argparse
import cProfile
import gzip
import io
import os
import pstats
import random
import re
import shlex
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.appointments import DEFAULT_DATABASE_URL
from bench.appointments import with_database as _with_database

PROJECT_DIR = Path(__file__).resolve().parent.parent
SUFFIX = "_finder"
# The page Lighthouse looks at too.
PAGE_QUERY = "3512 AE"
# gzip as a reverse proxy or Django's GZipMiddleware sends a page (level 6), and as whitenoise stores the static
# files (level 9).
HTML_GZIP_LEVEL, STATIC_GZIP_LEVEL = 6, 9


def log(message: str) -> None:
    print(message, flush=True)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench finder", description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=1000, help="open IDO locations (%(default)s)")
    parser.add_argument("--seed", type=int, default=8, help="random seed of the generator (%(default)s)")
    parser.add_argument(
        "--runs", type=int, default=0, help="measured searches, postcodes in turn (default: every postcode once)"
    )
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured searches first (%(default)s)")
    parser.add_argument("--part-runs", type=int, default=1000, help="measured searches in parts (%(default)s)")
    parser.add_argument("--page-runs", type=int, default=500, help="measured result pages (%(default)s)")
    parser.add_argument("--location-runs", type=int, default=200, help="measured location pages (%(default)s)")
    parser.add_argument("--profile", type=int, default=0, help="also profile this many searches (cProfile)")
    parser.add_argument("--database", help=f"database name (default: DATABASE_URL's name + {SUFFIX!r})")
    parser.add_argument("--fresh", action="store_true", help="drop the database and start over")
    parser.add_argument(
        "--output", type=Path, default=PROJECT_DIR / "docs" / "performance.md", help="report (%(default)s)"
    )
    return parser.parse_args(argv)


def with_database(url: str, name: str | None) -> tuple[str, str]:
    """The URL with the benchmark's own database name, and that name."""
    current = urlsplit(url).path.lstrip("/")
    return _with_database(url, name or (current if current.endswith(SUFFIX) else current + SUFFIX))


@dataclass
class Distribution:
    """Times in ms of one kind of call."""

    samples: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)  # inside the middleware stack (Server-Timing)

    def _quantile(self, percent: int) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[percent - 1]

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self._quantile(95)

    @property
    def p99(self) -> float:
        return self._quantile(99)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    @property
    def sql_p50(self) -> float | None:
        return statistics.median(self.sql) if self.sql else None

    @property
    def queries(self) -> int | None:
        return round(statistics.median(self.statements)) if self.statements else None

    @property
    def queries_max(self) -> int | None:
        return max(self.statements) if self.statements else None

    @property
    def inside_p50(self) -> float | None:
        return statistics.median(self.inside) if self.inside else None

    @property
    def inside_p95(self) -> float | None:
        return statistics.quantiles(self.inside, n=100, method="inclusive")[94] if len(self.inside) > 1 else None


@dataclass
class Asset:
    url: str
    raw: int
    gzipped: int


@dataclass
class PageBytes:
    label: str
    path: str
    html_raw: int
    html_gzip: int
    assets: list[Asset]

    @property
    def total_gzip(self) -> int:
        return self.html_gzip + sum(asset.gzipped for asset in self.assets)


@dataclass
class Results:
    search: Distribution
    geocode_rank: Distribution
    points: Distribution
    reading: Distribution
    rows: Distribution
    page: Distribution
    location_page: Distribution
    postcodes: int
    slowest: list[tuple[float, str]]
    results_per_search: dict[int, int]
    nearest_km: list[float]
    pages: list[PageBytes]
    largest_html: tuple[int, int, str]  # raw, gzip, postcode of the biggest result page of the sample
    profile: str = ""


def _gzip(data: bytes, level: int) -> int:
    return len(gzip.compress(data, compresslevel=level, mtime=0))


def every_postcode(seed: int) -> list[str]:
    from ido.geo.reference import gazetteer

    codes = [code for code, area in gazetteer().areas.items() if area.has_point]
    random.Random(seed).shuffle(codes)  # noqa: S311 - an order, not a secret
    return codes


def measure_search(codes: list[str], *, runs: int, warmup: int, log) -> tuple[Distribution, list, dict, list]:
    from django.db import connection

    from bench.measure import SqlMeter
    from ido.public import finder

    meter = SqlMeter()
    timing = Distribution()
    slowest: list[tuple[float, str]] = []
    counts: dict[int, int] = {}
    nearest_km: list[float] = []
    order = [codes[i % len(codes)] for i in range(runs or len(codes))]
    with connection.execute_wrapper(meter):
        for code in codes[:warmup]:
            finder.search(code)
        for number, code in enumerate(order, start=1):
            meter.reset()
            started = time.perf_counter()
            result = finder.search(code)
            elapsed = (time.perf_counter() - started) * 1000
            timing.samples.append(elapsed)
            timing.sql.append(meter.seconds * 1000)
            timing.statements.append(meter.count)
            if result.spot is None:
                raise SystemExit(f"Postcode {code} did not geocode: {result.geocoded}")
            counts[len(result.rows)] = counts.get(len(result.rows), 0) + 1
            if result.rows:
                nearest_km.append(result.rows[0].distance_km)
            slowest.append((elapsed, code))
            if number % 1000 == 0:
                log(f"  {number} searches, median so far {statistics.median(timing.samples):.1f} ms")
    slowest.sort(reverse=True)
    return timing, slowest[:5], counts, nearest_km


def location_points() -> list[tuple[int, float, float, str]]:
    """The public locations' points as the finder ranks them (own coordinates, else the postcode area's centre)."""
    from ido.locations.selectors import public_locations
    from ido.public import finder

    points = []
    for pk, name, latitude, longitude, postcode in public_locations().values_list(
        "pk", "name", "latitude", "longitude", "postcode"
    ):
        point = finder.location_point(pk, latitude, longitude, postcode)
        if point is not None:
            points.append((pk, point[0], point[1], f"{name}\x00{pk:012d}"))
    return points


def measure_geocode_rank(codes: list[str], *, warmup: int) -> Distribution:
    from ido.geo.distance import nearest
    from ido.geo.geocoder import get_geocoder
    from ido.public.finder import RESULTS

    points = location_points()
    geocoder = get_geocoder()
    timing = Distribution()
    for number, code in enumerate([*codes[:warmup], *codes]):
        started = time.perf_counter()
        spot = geocoder.geocode(code).spot
        ranked = nearest(spot.latitude, spot.longitude, points, limit=RESULTS)
        elapsed = (time.perf_counter() - started) * 1000
        if number >= warmup:
            timing.samples.append(elapsed)
        assert ranked
    return timing


def measure_points(codes: list[str], *, runs: int) -> Distribution:
    """Reading the public locations in a box around the spot from the database and ranking them, as every search
    does (`finder.ranked_nearby`: the box widens until the ten nearest lie well inside it)."""
    from django.db import connection

    from bench.measure import SqlMeter
    from ido.geo.geocoder import get_geocoder
    from ido.public.finder import RESULTS, ranked_nearby

    meter = SqlMeter()
    timing = Distribution()
    spots = [get_geocoder().geocode(code).spot for code in codes[: runs + 5]]
    with connection.execute_wrapper(meter):
        for number, spot in enumerate(spots):
            meter.reset()
            started = time.perf_counter()
            ranked_nearby(spot, RESULTS)
            if number >= 5:
                timing.samples.append((time.perf_counter() - started) * 1000)
                timing.sql.append(meter.seconds * 1000)
                timing.statements.append(meter.count)
    return timing


def measure_parts(codes: list[str], *, runs: int, warmup: int) -> tuple[Distribution, Distribution]:
    """The two steps after the ranking, as the finder does them: reading the ten nearest locations and their
    opening hours and exceptions (as plain values); and `rows_for` (opening status now and next, coming
    consultation hours and courses)."""
    from django.db import connection
    from django.utils import timezone

    from bench.measure import SqlMeter
    from ido.geo.distance import nearest
    from ido.geo.geocoder import get_geocoder
    from ido.locations.models import Location
    from ido.locations.selectors import schedules_for
    from ido.public.finder import RESULTS, rows_for

    points = location_points()
    meter = SqlMeter()
    reading, rows = Distribution(), Distribution()
    sample = codes[:runs]
    with connection.execute_wrapper(meter):
        for number, code in enumerate([*sample[:warmup], *sample]):
            spot = get_geocoder().geocode(code).spot
            distances = {r.item: r.distance_km for r in nearest(spot.latitude, spot.longitude, points, limit=RESULTS)}
            meter.reset()
            started = time.perf_counter()
            by_pk = {location.pk: location for location in Location.objects.filter(pk__in=distances).order_by()}
            locations = [by_pk[pk] for pk in distances]
            schedules = schedules_for(locations)
            middle = time.perf_counter()
            middle_sql, middle_count = meter.seconds, meter.count
            rows_for(locations, now=timezone.now(), distances=distances, schedules=schedules)
            ended = time.perf_counter()
            if number < warmup:
                continue
            reading.samples.append((middle - started) * 1000)
            reading.sql.append(middle_sql * 1000)
            reading.statements.append(middle_count)
            rows.samples.append((ended - middle) * 1000)
            rows.sql.append((meter.seconds - middle_sql) * 1000)
            rows.statements.append(meter.count - middle_count)
    return reading, rows


def _visitor(number: int) -> str:
    # One visitor per request (the finder limits searches per visitor, an IPv6 visitor being its /64 network); a
    # documentation-only address.
    return f"2001:db8:{number:x}::1"


def measure_pages(codes: list[str], *, runs: int, location_runs: int, warmup: int = 10):
    """The result page and the location page through the test client; the biggest result page of the sample."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench.measure import SqlMeter
    from ido.locations.selectors import public_locations

    client = Client()
    meter = SqlMeter()
    page, location_page = Distribution(), Distribution()
    largest = (0, 0, "")
    url = reverse("public:index")
    sample = codes[:runs]
    location_ids = list(public_locations().order_by("pk").values_list("pk", flat=True))
    random.Random(1).shuffle(location_ids)  # noqa: S311
    with connection.execute_wrapper(meter):
        for number, code in enumerate([*sample[:warmup], *sample]):
            meter.reset()
            started = time.perf_counter()
            response = client.get(url, {"q": code}, REMOTE_ADDR=_visitor(number))
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"GET /?q={code} answered {response.status_code}")
            if number < warmup:
                continue
            page.samples.append(elapsed)
            page.sql.append(meter.seconds * 1000)
            page.statements.append(meter.count)
            page.inside.append(float(response.headers["Server-Timing"].split("dur=")[1]))
            if len(response.content) > largest[0]:
                largest = (len(response.content), _gzip(response.content, HTML_GZIP_LEVEL), code)
        chosen = location_ids[:location_runs]
        for number, pk in enumerate([*chosen[:warmup], *chosen]):
            meter.reset()
            started = time.perf_counter()
            response = client.get(reverse("public:location", kwargs={"pk": pk}), REMOTE_ADDR=_visitor(number))
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"GET location {pk} answered {response.status_code}")
            if number < warmup:
                continue
            location_page.samples.append(elapsed)
            location_page.sql.append(meter.seconds * 1000)
            location_page.statements.append(meter.count)
            location_page.inside.append(float(response.headers["Server-Timing"].split("dur=")[1]))
    return page, location_page, largest


ASSET = re.compile(r"""<(?:link|script|img)\b[^>]*?\b(?:href|src)="(?P<url>[^"]+)"[^>]*>""", re.IGNORECASE)


def linked_assets(html: str) -> list[Asset]:
    """The static files a page links (stylesheets, scripts, icons, images), read through the staticfiles finders."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    assets, seen = [], set()
    for match in ASSET.finditer(html):
        tag, url = match.group(0).lower(), match.group("url")
        if tag.startswith("<link") and not re.search(r'rel="[^"]*(stylesheet|icon|preload)', tag):
            continue
        if not url.startswith(settings.STATIC_URL) or url in seen:
            continue
        seen.add(url)
        path = finders.find(url[len(settings.STATIC_URL) :].split("?", 1)[0])
        if path is None:
            raise SystemExit(f"The page links {url}, which the staticfiles finders do not find.")
        data = Path(path).read_bytes()
        assets.append(Asset(url, len(data), _gzip(data, STATIC_GZIP_LEVEL)))
    return assets


def page_bytes() -> list[PageBytes]:
    from django.test import Client
    from django.urls import reverse

    from ido.locations.selectors import public_locations
    from ido.public.finder import search

    client = Client()
    first = search(PAGE_QUERY).rows[0].location.pk
    pages = []
    for number, (label, path, parameters) in enumerate(
        [
            (f"result page “{PAGE_QUERY}”", reverse("public:index"), {"q": PAGE_QUERY}),
            ("the same in Arabic (right to left)", reverse("public:index"), {"q": PAGE_QUERY, "lang": "ar"}),
            ("location page (the nearest of the result page)", reverse("public:location", args=[first]), {}),
            ("front page without a search", reverse("public:index"), {}),
        ]
    ):
        response = client.get(path, parameters, REMOTE_ADDR=_visitor(10_000 + number))
        assert response.status_code == 200, (path, response.status_code)
        query = "&".join(f"{key}={value.replace(' ', '+')}" for key, value in parameters.items())
        shown = f"{path}?{query}" if query else path
        html = response.content
        pages.append(PageBytes(label, shown, len(html), _gzip(html, HTML_GZIP_LEVEL), linked_assets(html.decode())))
    assert public_locations().exists()
    return pages


def profile_searches(codes: list[str], count: int) -> str:
    from ido.public import finder

    profiler = cProfile.Profile()
    profiler.enable()
    for code in codes[:count]:
        finder.search(code)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(35)
    return out.getvalue()


def main(argv: list[str]) -> None:
    options = arguments(argv)
    started = time.perf_counter()
    os.environ["DATABASE_URL"], database = with_database(
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), options.database
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import settings as bench_settings
    from bench.database import FINDER_MARKER_TABLE, prepare

    prepare(bench_settings.DATABASES["default"], fresh=options.fresh, log=log, marker=FINDER_MARKER_TABLE)

    import django

    django.setup()
    from bench import finder_data, finder_report

    generation = finder_data.ensure_data(locations=options.locations, seed=options.seed, log=log)
    facts = finder_data.facts()
    codes = every_postcode(options.seed)
    load_before = os.getloadavg()[0]

    log(f"Full search for {options.runs or len(codes)} postcodes ({len(codes)} areas) after {options.warmup} warm-up …")
    search, slowest, counts, nearest_km = measure_search(codes, runs=options.runs, warmup=options.warmup, log=log)
    log(
        f"  p50 {search.p50:.2f} ms, p95 {search.p95:.2f}, p99 {search.p99:.2f}, max {search.max:.2f}; "
        f"{search.queries} queries"
    )
    log("Geocoding and ranking alone …")
    geocode_rank = measure_geocode_rank(codes, warmup=options.warmup)
    log(f"  p50 {geocode_rank.p50:.3f} ms, p95 {geocode_rank.p95:.3f}")
    log("Reading the locations around the spot and ranking them …")
    points = measure_points(codes, runs=1000)
    log(f"  p50 {points.p50:.2f} ms, p95 {points.p95:.2f}")
    log(f"The steps after the ranking, {options.part_runs} postcodes …")
    reading, rows = measure_parts(codes, runs=options.part_runs, warmup=options.warmup)
    log(f"  reading the ten p50 {reading.p50:.2f} ms; rows_for p50 {rows.p50:.2f} ms")
    log(f"Result pages ({options.page_runs}) and location pages ({options.location_runs}) through the test client …")
    page, location_page, largest = measure_pages(codes, runs=options.page_runs, location_runs=options.location_runs)
    log(f"  result page p50 {page.p50:.1f} ms, p95 {page.p95:.1f}; location page p50 {location_page.p50:.1f} ms")
    pages = page_bytes()
    for item in pages:
        log(f"  {item.label}: HTML {item.html_raw} B ({item.html_gzip} B gzip), total {item.total_gzip} B gzip")
    profile = ""
    if options.profile:
        log(f"Profiling {options.profile} searches …")
        profile = profile_searches(codes, options.profile)
        log(profile)
    load_after = os.getloadavg()[0]

    results = Results(
        search=search,
        geocode_rank=geocode_rank,
        points=points,
        reading=reading,
        rows=rows,
        page=page,
        location_page=location_page,
        postcodes=len(codes),
        slowest=slowest,
        results_per_search=counts,
        nearest_km=nearest_km,
        pages=pages,
        largest_html=largest,
        profile=profile,
    )
    run = finder_report.Run(
        generation=generation,
        facts=facts,
        results=results,
        warmup=options.warmup,
        database=database,
        seconds=time.perf_counter() - started,
        command=" ".join(["make bench-finder", *([f"BENCH_ARGS={shlex.quote(' '.join(argv))}"] if argv else [])]),
        load=(load_before, load_after),
    )
    finder_report.write(options.output, run)
    log(f"Wrote the public finder section of {options.output}.")
