"""`python -m bench appointments`: free-slot search across a region of consultation hours and a burst of
concurrent bookings, on PostgreSQL; writes its own section of docs/performance.md.

Run it through `make bench-appointments` or `bench/run.sh appointments`, which start PostgreSQL and set
DATABASE_URL. It uses a database of its own: the name in DATABASE_URL with `_appointments` added (or --database),
so the registration benchmark's data set stays as it is.
"""

import argparse
import os
import shlex
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The same default as bench/settings.py.
DEFAULT_DATABASE_URL = "postgres://ido_bench:ido_bench@127.0.0.1:5432/ido_bench"
SUFFIX = "_appointments"


def log(message: str) -> None:
    print(message, flush=True)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench appointments", description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=50, help="locations in the region (%(default)s)")
    parser.add_argument("--hours", type=int, default=200, help="consultation hour series (%(default)s)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the generator (%(default)s)")
    parser.add_argument("--runs", type=int, default=200, help="measured searches per scenario (%(default)s)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured searches per scenario (%(default)s)")
    parser.add_argument("--page-runs", type=int, default=50, help="measured page requests each (%(default)s)")
    parser.add_argument("--threads", type=int, default=50, help="concurrent bookings in the burst (%(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="bursts, each on another slot (%(default)s)")
    parser.add_argument("--capacity", type=int, default=3, help="places of the raced slot (%(default)s)")
    parser.add_argument("--database", help=f"database name (default: DATABASE_URL's name + {SUFFIX!r})")
    parser.add_argument("--fresh", action="store_true", help="drop the database and start over")
    parser.add_argument(
        "--output", type=Path, default=PROJECT_DIR / "docs" / "performance.md", help="report (%(default)s)"
    )
    return parser.parse_args(argv)


def with_database(url: str, name: str | None) -> tuple[str, str]:
    """The URL with the benchmark's own database name, and that name."""
    parts = urlsplit(url)
    current = parts.path.lstrip("/")
    name = name or (current if current.endswith(SUFFIX) else current + SUFFIX)
    return urlunsplit(parts._replace(path="/" + name)), name


def main(argv: list[str]) -> None:
    options = arguments(argv)
    started = time.perf_counter()
    os.environ["DATABASE_URL"], database = with_database(
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), options.database
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import settings as bench_settings
    from bench.database import APPOINTMENTS_MARKER_TABLE, prepare

    prepare(bench_settings.DATABASES["default"], fresh=options.fresh, log=log, marker=APPOINTMENTS_MARKER_TABLE)

    import django

    django.setup()
    from bench import appointments_data, appointments_measure, appointments_report

    region = appointments_data.ensure_region(
        locations=options.locations, hours=options.hours, seed=options.seed, log=log
    )
    facts = appointments_data.facts()
    subject = appointments_measure.choose_subject()
    load_before = os.getloadavg()[0]

    log(f"Free-slot search, {subject.start} to {subject.end}, {options.runs} runs per scenario …")
    searches = appointments_measure.measure_search(subject, runs=options.runs, warmup=options.warmup, log=log)
    for result in searches:
        log(
            f"  {result.label}: {result.timing.median:.1f} ms (p95 {result.timing.p95:.1f}), {result.hours} hours, "
            f"{result.results} slots, {result.timing.queries} queries"
        )
    log("Reference: every hour one at a time …")
    reference, reference_results = appointments_measure.per_hour_reference(
        subject, runs=max(5, options.runs // 10), warmup=2
    )
    log(f"  {reference.median:.1f} ms (p95 {reference.p95:.1f}), {reference.queries} queries")
    log("The desk page …")
    pages = appointments_measure.measure_page(subject, runs=options.page_runs, warmup=5)
    for label, timing in pages:
        log(f"  {label}: {timing.median:.1f} ms (p95 {timing.p95:.1f}), {timing.queries} queries")
    log(f"Booking burst: {options.rounds} × {options.threads} concurrent bookings of a last place …")
    burst = appointments_measure.booking_burst(
        subject, threads=options.threads, rounds=options.rounds, capacity=options.capacity, log=log
    )
    log(f"  per request {burst.median:.1f} ms (p95 {burst.p95:.1f}); outcomes {dict(burst.outcomes)}")

    run = appointments_report.Run(
        region=region,
        facts=facts,
        subject=subject,
        searches=searches,
        reference=reference,
        reference_results=reference_results,
        pages=pages,
        burst=burst,
        runs=options.runs,
        warmup=options.warmup,
        page_runs=options.page_runs,
        database=database,
        seconds=time.perf_counter() - started,
        command=" ".join(["make bench-appointments", *([f"BENCH_ARGS={shlex.quote(' '.join(argv))}"] if argv else [])]),
        load=(load_before, os.getloadavg()[0]),
    )
    appointments_report.write(options.output, run)
    log(f"Wrote the appointments section of {options.output}.")
    if not burst.exactly_one_each_round:
        raise SystemExit("The booking burst did not give exactly one booking per slot.")
