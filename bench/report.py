"""Writing docs/performance.md from one run's measurements (and reading the machine's facts)."""

import os
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench.generate import Generation
from bench.indexes import BuiltIndex
from bench.measure import Explained, OverviewResults, SaveResults, Timing

SAVE_TARGET = 2.0
OVERVIEW_TARGET_MS = 200.0
# Text after this line in docs/performance.md is kept when the benchmark writes the file again.
NOTES_MARKER = "<!-- Hand-written notes below this line are kept when `make bench` writes this file again. -->"
# An index is worth a migration when it makes the overview at least this much faster.
WORTHWHILE = 0.75


@dataclass
class Run:
    generation: Generation
    counts: dict[str, int]
    year: int
    save: SaveResults
    overviews: list[OverviewResults]
    explained: list[Explained]
    indexes: list[BuiltIndex]
    indexed_overviews: list[OverviewResults]
    indexed_explained: list[Explained]
    indexed_save: SaveResults | None
    seconds: float
    command: str
    load: tuple[float, float]  # 1-minute load average when the measurements started and ended


def machine_facts() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kilobytes / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        settings = {}
        for name in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "max_parallel_workers_per_gather",
            "jit",
        ):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(terse=True),
        "postgres": postgres,
        "postgres_settings": ", ".join(f"`{k}={v}`" for k, v in settings.items()),
        "python": platform.python_version(),
        "django": version("django"),
        "psycopg": version("psycopg"),
    }


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _timing_row(timing: Timing, what: str) -> str:
    return (
        f"| {what} | {_ms(timing.median)} | {_ms(timing.p95)} | {_ms(timing.inside_median)} | "
        f"{_ms(timing.sql_ms)} | {_ms(timing.python_ms)} | {timing.queries} |"
    )


def _main_statement(explained: list[Explained]) -> Explained:
    """The questions per topic: the first and largest aggregate of the overview."""
    return next(
        (item for item in explained if item.label == "registrations_question GROUP BY topic_id"),
        max(explained, key=lambda item: item.execution_ms),
    )


def _slowest(explained: list[Explained], count: int = 5) -> list[str]:
    lines = ["| statement | execution time |", "|---|---|"]
    for item in sorted(explained, key=lambda item: -item.execution_ms)[:count]:
        lines.append(f"| `{item.label}` | {item.execution_ms:.2f} ms |")
    lines.append(
        f"| all {len(explained)} SELECTs of the page | **{sum(item.execution_ms for item in explained):.1f} ms** |"
    )
    return lines


def _page_statements(save: SaveResults) -> list[str]:
    if not save.page_statements:
        return []
    slowest = max(save.page_statements, key=lambda item: item.execution_ms)
    return [
        "The form page's SELECTs after a save, by `EXPLAIN (ANALYZE, BUFFERS)` (the five slowest):",
        "",
        *_slowest(save.page_statements),
        "",
        f"Plan of `{slowest.label}`:",
        "",
        "```",
        slowest.plan,
        "```",
        "",
    ]


def _plan_table(explained: list[Explained]) -> list[str]:
    lines = ["| statement (in the order the selector sends them) | execution time |", "|---|---|"]
    lines += [f"| `{item.label}` | {item.execution_ms:.1f} ms |" for item in explained]
    lines.append(f"| **total** | **{sum(item.execution_ms for item in explained):.1f} ms** |")
    return lines


def render(run: Run, notes: str) -> str:
    facts = machine_facts()
    generation, counts, save = run.generation, run.counts, run.save
    subject = save.subject
    biggest = run.overviews[0]
    save_ok = save.ratio_median <= SAVE_TARGET
    overview_ok = all(o.view.median < OVERVIEW_TARGET_MS for o in run.overviews)
    if generation.reused:
        how_generated = (
            f"generated earlier ({generation.generated_at}) in **{generation.seconds:.0f} s** and reused by this run"
        )
    else:
        how_generated = f"generated by this run in **{generation.seconds:.0f} s**"
    main = _main_statement(run.explained)
    out = [
        "# Performance",
        "",
        "Written by `make bench` (`bench/`): every figure below comes from one run on the machine described, "
        "with the national-scale data set present. Do not edit the figures by hand: run the benchmark again.",
        "",
        f"Run: {timezone.localtime().strftime('%Y-%m-%d %H:%M %Z')}, `{run.command}`, {run.seconds:.0f} s in all.",
        "",
        "## Summary",
        "",
        "| benchmark | median | p95 | target | |",
        "|---|---|---|---|---|",
        f"| (a) save one visit with three questions (`registrations:new`, POST) | {_ms(save.save.median)} | "
        f"{_ms(save.save.p95)} | | |",
        f"| (a) bare Django view, one INSERT, same middleware and session | {_ms(save.bare.median)} | "
        f"{_ms(save.bare.p95)} | | |",
        f"| (a) **ratio save / bare** | **{save.ratio_median:.2f}×** | {save.ratio_p95:.2f}× | "
        f"≤ {SAVE_TARGET:.0f}× | {_verdict(save_ok)} |",
    ]
    for overview in run.overviews:
        out.append(
            f"| (b) overview `registrations:overview`, {overview.library_name}, {run.year} "
            f"({overview.questions:,} questions) | **{_ms(overview.view.median)}** | {_ms(overview.view.p95)} | "
            f"< {OVERVIEW_TARGET_MS:.0f} ms | {_verdict(overview.view.median < OVERVIEW_TARGET_MS)} |"
        )
    for overview in run.indexed_overviews:
        out.append(
            f"| (b) the same, {overview.library_name}, with the covering indexes of the index experiment | "
            f"{_ms(overview.view.median)} | {_ms(overview.view.p95)} | < {OVERVIEW_TARGET_MS:.0f} ms | "
            f"{_verdict(overview.view.median < OVERVIEW_TARGET_MS)} |"
        )
    out += [
        "",
        f"Saving is {'within' if save_ok else 'outside'} the 2× target; the overview is "
        f"{'under' if overview_ok else 'not under'} 200 ms for every library measured.",
        "",
        "## Machine",
        "",
        f"- CPU: {facts['cpu']}, **{facts['cores']} cores**; memory {facts['memory']}; {facts['os']}",
        f"- PostgreSQL **{facts['postgres']}**, on the same machine, stock Debian configuration: "
        f"{facts['postgres_settings']}",
        f"- Python {facts['python']}, Django {facts['django']}, psycopg {facts['psycopg']}; `DEBUG` off, "
        "persistent database connections (`DATABASE_CONN_MAX_AGE=600`)",
        f"- Load average (1 minute) when the measurements started: {run.load[0]:.2f}, when they ended: "
        f"{run.load[1]:.2f}. Other work on the machine shows in the p95 more than in the medians; the ratio "
        "compares requests that alternate, so both sides see the same load.",
        "",
        "## Data set",
        "",
        f"- **{counts['questions']:,} questions** in **{counts['visits']:,} visits** "
        f"({counts['questions'] / max(counts['visits'], 1):.2f} questions per visit), "
        f"{generation.first_day} to {generation.last_day}",
        f"- **{counts['locations']:,} locations** of **{counts['libraries']} libraries** in "
        f"{counts['municipalities']} municipalities (CBS 2025); {counts['users']:,} users (a coordinator and "
        "desk staff per library)",
        f"- {how_generated} (after `migrate`): reference data {generation.seconds_reference:.0f} s, writing the "
        f"COPY files {generation.seconds_files:.0f} s, COPY {generation.seconds_copy:.0f} s, rebuilding indexes "
        f"and foreign keys {generation.seconds_indexes:.0f} s, VACUUM ANALYZE {generation.seconds_vacuum:.0f} s (seed "
        f"{generation.seed})",
        "- Shape: libraries group the municipalities of a province around its largest ones; every municipality "
        "has a location, the rest go by population (PC4 areas and population from `../shared/data`); visits on "
        "weekdays and Saturday mornings, none on public holidays, busiest in March–May, quietest in summer; "
        "the network grows over the years; DigiD is the most frequent topic and taxes peak in spring.",
        "",
        "## (a) Saving a visit",
        "",
        f"The desk member with the longest history ({subject.desk.user.email}) saves a visit with three questions "
        f"at the busiest location of {subject.library_name} ({subject.location_questions_90_days:,} questions "
        "there in the last 90 days, which the form reads to put the most used topics first). "
        f"{save.iterations} rounds of: POST the desk form (answer: redirect), GET the form it redirects to "
        "(shows the saved message, takes it out of the session), POST the bare view. The bare view "
        "(`bench/views.py`) runs behind the same middleware with the same session and does one `Visit` INSERT.",
        "",
        "| request | median | p95 | inside middleware (median) | SQL (median) | outside SQL (median) | queries |",
        "|---|---|---|---|---|---|---|",
        _timing_row(save.save, "save: POST `/app/registrations/new/`"),
        _timing_row(save.bare, "bare: POST, one INSERT"),
        _timing_row(save.form_page, "form page after saving: GET `/app/registrations/new/`"),
        "",
        f"Ratio save / bare: **{save.ratio_median:.2f}×** at the median, {save.ratio_p95:.2f}× at p95 "
        f"(target ≤ {SAVE_TARGET:.0f}×: {_verdict(save_ok)}).",
        "",
        *_page_statements(save),
        "## (b) The coordinator overview",
        "",
        f"The coordinator opens the overview of their whole library for {run.year} (1 January – 31 December, all "
        f"locations); {biggest.iterations} measured requests after warm-up, and as many calls of the selector "
        "`registration_overview` alone.",
        "",
        "| library | questions in the year | request | median | p95 | inside middleware | SQL (median) | queries |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for overview in run.overviews:
        for timing, what in ((overview.view, "view (GET)"), (overview.selector, "selector alone")):
            out.append(
                f"| {overview.library_name} | {overview.questions:,} | {what} | {_ms(timing.median)} | "
                f"{_ms(timing.p95)} | {_ms(timing.inside_median)} | {_ms(timing.sql_ms)} | {timing.queries} |"
            )
    out += [
        "",
        f"`EXPLAIN (ANALYZE, BUFFERS)` of the statements the selector sends for {biggest.library_name}:",
        "",
        *_plan_table(run.explained),
        "",
        f"Plan of the main statement, `{main.label}`:",
        "",
        "```",
        main.plan,
        "```",
        "",
    ]
    out += _index_section(run)
    out += [
        "## How to run it",
        "",
        "```sh",
        "make bench                                   # full scale: 5 million questions (generated once, reused)",
        "make bench BENCH_ARGS='--questions 50000'    # a quick run at 1 % of the size",
        "bench/run.sh --help                          # all options (iterations, year, seed, --fresh, ...)",
        "```",
        "",
        "Without `DATABASE_URL` the command starts the local PostgreSQL cluster as `.ci/run` does, creates the "
        "role `ido_bench` and the database `ido_bench`, migrates it and generates the data unless exactly that "
        "data set is already there; with `DATABASE_URL` it uses that database (it refuses one that holds tables "
        "the benchmark did not make). Generation replaces all visits and questions in one transaction with "
        "PostgreSQL COPY (secondary indexes and foreign keys dropped during the load and rebuilt from their own "
        "definitions), then runs VACUUM ANALYZE. The benchmark deletes the visits it saves, so the data set stays "
        "as generated. It then rewrites this file, keeping the notes below the marker.",
        "",
        "Method: requests go in-process through Django's test client against the real URLconf (plus the bare "
        "view) and the real middleware stack, `DEBUG` off, sessions in the database, a user logged in with a "
        'verified TOTP device; the time is `perf_counter` around each request. "Inside middleware" is the '
        'time from entering the outermost middleware to the response (`Server-Timing`), "SQL" the time in '
        'database calls of the same requests, "outside SQL" the rest (Python, templates, the test client). Medians '
        "and p95 are over the measured requests after warm-up.",
        "",
        NOTES_MARKER,
    ]
    text = "\n".join(out) + "\n"
    if notes.strip():
        text += notes if notes.startswith("\n") else "\n" + notes
    return text


def _change(old: float, new: float) -> str:
    percent = round((new / old - 1) * 100)
    return f"{percent:+d} %" if percent else "±0 %"


def _comparison_row(library: str, what: str, old: Timing, new: Timing) -> str:
    return (
        f"| {library} | {what} | {_ms(old.median)} | {_ms(new.median)} | {_ms(old.p95)} | {_ms(new.p95)} | "
        f"{_ms(old.sql_ms)} | {_ms(new.sql_ms)} | {_change(old.median, new.median)} |"
    )


def _index_section(run: Run) -> list[str]:
    if not run.indexes:
        return []
    out = [
        "## Index experiment",
        "",
        "Built in the bench database with plain SQL, measured with the same requests, and dropped again (the "
        "schema stays as the migrations make it):",
        "",
        "```sql",
        *[
            f"{index.definition};  -- {index.purpose}: {index.megabytes:.0f} MB, built in {index.seconds:.1f} s"
            for index in run.indexes
        ],
        "```",
        "",
        "| library | request | median without | median with | p95 without | p95 with | SQL without | SQL with "
        "| change (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    overview_helps = True
    for before, after in zip(run.overviews, run.indexed_overviews, strict=True):
        for what, old, new in (
            ("overview view", before.view, after.view),
            ("overview selector alone", before.selector, after.selector),
        ):
            out.append(_comparison_row(before.library_name, what, old, new))
        overview_helps = overview_helps and after.selector.median <= WORTHWHILE * before.selector.median
    desk_helps = False
    if run.indexed_save is not None:
        for what, old, new in (
            ("save (POST)", run.save.save, run.indexed_save.save),
            ("form page after saving (GET)", run.save.form_page, run.indexed_save.form_page),
            ("bare view (POST)", run.save.bare, run.indexed_save.bare),
        ):
            out.append(_comparison_row(run.save.subject.library_name, what, old, new))
        # Judged on its database time: the page's Python time is large and varies with the machine's load.
        before, after = run.save, run.indexed_save
        # Judged by PostgreSQL's own execution times of the page's statements: the request times of two
        # passes minutes apart also measure whatever else the machine did meanwhile.
        page_before = sum(item.execution_ms for item in before.page_statements)
        page_after = sum(item.execution_ms for item in after.page_statements)
        desk_helps = bool(page_before) and page_after <= WORTHWHILE * page_before
        out += [
            "",
            "The passes with and without the indexes ran minutes apart; relative to the bare view of the same pass "
            f"(which the indexes hardly touch), saving is {after.ratio_median:.2f}× with them and "
            f"{before.ratio_median:.2f}× without, the form page {after.form_page.median / after.bare.median:.1f}× "
            f"and {before.form_page.median / before.bare.median:.1f}×. The form page's SELECTs take "
            f"{page_after:.1f} ms in PostgreSQL with the indexes and {page_before:.1f} ms without:",
            "",
            *_slowest(after.page_statements, count=3),
        ]
    total_before = sum(item.execution_ms for item in run.explained)
    total_after = sum(item.execution_ms for item in run.indexed_explained)
    main = _main_statement(run.indexed_explained)
    out += [
        "",
        f"With the indexes the overview's statements take {total_after:.1f} ms in PostgreSQL "
        f"(without: {total_before:.1f} ms):",
        "",
        *_plan_table(run.indexed_explained),
        "",
        f"Plan of `{main.label}` with the indexes:",
        "",
        "```",
        main.plan,
        "```",
        "",
    ]
    for purpose, helps, what in (
        ("overview", overview_helps, "the overview selector runs"),
        ("desk form", desk_helps, "the form page's statements run"),
    ):
        chosen = [index for index in run.indexes if index.purpose == purpose]
        names = ", ".join(f"`{index.name}`" for index in chosen)
        them = "them" if len(chosen) > 1 else "it"
        if helps:
            out.append(
                f"- **Recommended ({purpose}):** {names}. With {them} {what} at least "
                f"{(1 - WORTHWHILE) * 100:.0f} % faster in this run; add {them} with a migration "
                "(`models.Index(fields=[...], include=[...], name=...)`)."
            )
        else:
            out.append(
                f"- Not recommended ({purpose}): {names}. With {them} {what} less than "
                f"{(1 - WORTHWHILE) * 100:.0f} % faster in this run."
            )
    out.append("")
    return out


def write(path: Path, run: Run) -> None:
    notes = ""
    if path.exists():
        existing = path.read_text(encoding="utf-8")
        if NOTES_MARKER in existing:
            notes = existing.split(NOTES_MARKER, 1)[1]
    path.write_text(render(run, notes), encoding="utf-8")
