"""`python -m bench`: generate the national data set (unless present), measure, write docs/performance.md.
`python -m bench appointments [...]`: the consultation-hour benchmark instead (see bench/appointments.py).
`python -m bench finder [...]`: the public finder's search and page weight (see bench/finder.py).
`python -m bench lighthouse [...]`: Lighthouse on the public finder's pages (see bench/lighthouse.py).

Run it through `make bench` or `bench/run.sh`, which start PostgreSQL and set DATABASE_URL.
"""

import argparse
import os
import shlex
import sys
import time
from datetime import date
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, flush=True)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5_000_000, help="questions to generate (%(default)s)")
    parser.add_argument("--locations", type=int, default=700, help="IDO locations (%(default)s)")
    parser.add_argument("--libraries", type=int, default=150, help="library organisations (%(default)s)")
    parser.add_argument("--years", type=int, default=10, help="years of registrations up to yesterday (%(default)s)")
    parser.add_argument("--seed", type=int, default=3, help="random seed of the generator (%(default)s)")
    parser.add_argument(
        "--year", type=int, default=date.today().year - 1, help="calendar year of the overview (%(default)s)"
    )
    parser.add_argument("--iterations", type=int, default=400, help="measured saves (%(default)s)")
    parser.add_argument("--overview-iterations", type=int, default=50, help="measured overviews (%(default)s)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests first (%(default)s)")
    parser.add_argument("--fresh", action="store_true", help="drop the bench database and start over")
    parser.add_argument("--no-index-experiment", action="store_true", help="skip trying the covering indexes")
    parser.add_argument("--generate-only", action="store_true", help="generate the data, measure nothing")
    parser.add_argument(
        "--output", type=Path, default=PROJECT_DIR / "docs" / "performance.md", help="report (%(default)s)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    if argv[:1] == ["appointments"]:  # the consultation-hour benchmark: bench/appointments.py
        from bench.appointments import main as appointments

        appointments(argv[1:])
        return
    if argv[:1] == ["finder"]:  # the public finder benchmark: bench/finder.py
        from bench.finder import main as finder

        finder(argv[1:])
        return
    if argv[:1] == ["lighthouse"]:  # Lighthouse on the finder's pages: bench/lighthouse.py (no PostgreSQL)
        from bench.lighthouse import main as lighthouse

        lighthouse(argv[1:])
        return
    options = arguments(argv)
    started = time.perf_counter()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import settings as bench_settings
    from bench.database import prepare

    prepare(bench_settings.DATABASES["default"], fresh=options.fresh, log=log)

    import django

    django.setup()
    from bench import generate, indexes, measure, report

    generation = generate.ensure_data(
        questions=options.questions,
        locations=options.locations,
        libraries=options.libraries,
        years=options.years,
        seed=options.seed,
        log=log,
    )
    if options.generate_only:
        return
    counts = generate.counts()
    load_before = os.getloadavg()[0]

    ranking = measure.library_ranking(options.year)
    if not ranking:
        raise SystemExit(f"No questions in {options.year}: choose --year within the data.")
    biggest = ranking[0]
    median = ranking[len(ranking) // 2]
    log(f"Benchmark library: {biggest[1]} ({biggest[2]:,} questions in {options.year}); median: {median[1]}.")
    subject = measure.choose_subject(*biggest)
    log(f"(a) Saving a visit with three questions at {subject.location_id} as {subject.desk.user.email} …")
    save = measure.measure_save(subject, iterations=options.iterations, warmup=options.warmup, log=log)
    log(
        f"  save {save.save.median:.1f} ms (p95 {save.save.p95:.1f}), bare {save.bare.median:.1f} ms "
        f"(p95 {save.bare.p95:.1f}): {save.ratio_median:.2f}×"
    )

    coordinators = [subject.coordinator, measure.choose_subject(*median).coordinator]
    names = [biggest[1], median[1]]

    def overviews() -> list:
        results = []
        for coordinator, name in zip(coordinators, names, strict=True):
            result = measure.measure_overview(
                coordinator,
                name,
                year=options.year,
                iterations=options.overview_iterations,
                warmup=max(3, options.warmup // 10),
            )
            log(f"  {name}: view {result.view.median:.1f} ms (p95 {result.view.p95:.1f}), "
                f"selector {result.selector.median:.1f} ms")  # fmt: skip
            results.append(result)
        return results

    log(f"(b) Coordinator overview for {options.year} …")
    overview_results = overviews()
    explained = measure.explain_overview(subject.coordinator, year=options.year)

    built, indexed_overviews, indexed_explained, indexed_save = [], [], [], None
    if not options.no_index_experiment:
        log("Index experiment: building the candidate indexes …")
        try:
            built = indexes.create_candidates()
            indexed_overviews = overviews()
            indexed_explained = measure.explain_overview(subject.coordinator, year=options.year)
            indexed_save = measure.measure_save(subject, iterations=options.iterations, warmup=options.warmup, log=log)
            log(f"  save {indexed_save.save.median:.1f} ms, form page {indexed_save.form_page.median:.1f} ms")
        finally:
            indexes.drop_candidates()

    run = report.Run(
        generation=generation,
        counts=counts,
        year=options.year,
        save=save,
        overviews=overview_results,
        explained=explained,
        indexes=built,
        indexed_overviews=indexed_overviews,
        indexed_explained=indexed_explained,
        indexed_save=indexed_save,
        seconds=time.perf_counter() - started,
        load=(load_before, os.getloadavg()[0]),
        command=" ".join(["make bench", *([f"BENCH_ARGS={shlex.quote(' '.join(argv))}"] if argv else [])]),
    )
    report.write(options.output, run)
    log(f"Wrote {options.output}.")


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_DIR))
    main(sys.argv[1:])
