"""`python -m bench lighthouse`: Lighthouse (12.2.3, bench/lighthouse/package.json) with Debian's chromium on the
public finder's pages, served as in production; writes the Lighthouse part of the "Public finder" section of
docs/performance.md.

How the pages are served: a new SQLite database and static folder in a temporary directory, filled with the finder
benchmark's national data set (bench/finder_data.py: 1,000 locations, so a result page lists ten with their hours
and courses); `collectstatic` with the production storage (whitenoise: hashed names, gzip, far-future caching);
gunicorn on 127.0.0.1 with DEBUG off and the production settings, plus gzip for the pages as the reverse proxy
in front of production gives it (bench/lighthouse_settings.py). Each page is requested twice before Lighthouse
starts, so the process is warm as a running site is.

Lighthouse runs with its defaults (mobile emulation, simulated throttling: a slow 4G network and a 4× slower
CPU), the categories performance, accessibility, best-practices and seo, every page `--runs` times; the run
with the median performance score counts. No network beyond the local server: the chromium flags turn off
Chrome's own background traffic, error reporting stays off, and the report checks that every request went to
the local server. Needs no PostgreSQL; needs chromium and npm (`make system-test-deps`).
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = PROJECT_DIR / "bench" / "lighthouse"
LIGHTHOUSE_CLI = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
REPORTS_DIR = PROJECT_DIR / "var" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--disable-sync --no-first-run --disable-quic"
)
METRICS = (
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "Speed Index"),
)
TARGETS = {"performance": 0.95, "accessibility": 1.0}
QUERY = "3512 AE"


def log(message: str) -> None:
    print(message, flush=True)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench lighthouse", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median counts (%(default)s)")
    parser.add_argument("--locations", type=int, default=1000, help="open IDO locations (%(default)s)")
    parser.add_argument("--seed", type=int, default=8, help="random seed of the data (%(default)s)")
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"), help="%(default)s")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and static folder")
    parser.add_argument(
        "--output", type=Path, default=PROJECT_DIR / "docs" / "performance.md", help="report (%(default)s)"
    )
    return parser.parse_args(argv)


@dataclass
class PageRun:
    label: str
    path: str
    scores: dict[str, float | None]
    metrics: dict[str, tuple[float, str]]  # audit id -> (numeric value, display value)
    total_bytes: int
    requests: list[tuple[str, int]]  # (url, transfer size)
    failing: list[dict]
    performance_runs: list[float] = field(default_factory=list)
    report: str = ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(directory: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.lighthouse_settings",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "IDO_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        # Plain HTTP on the loopback address: no redirect to HTTPS (Lighthouse counts localhost as secure).
        "IDO_HTTPS": "false",
        "IDO_DATA_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{directory / 'ido.sqlite3'}",
        "STATIC_ROOT": str(directory / "static"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "IDO_BASE_URL": f"http://127.0.0.1:{port}",
        "IDO_GEOCODER": "offline",
        "IDO_MAP_TILE_URL": "",
        # The runs and warm-up requests come from one address; the per-visitor limit is not what is measured.
        "IDO_SEARCH_RATE_LIMIT": "10000",
        "LOG_LEVEL": "WARNING",
    }


def prepare_site(directory: Path, port: int, *, locations: int, seed: int) -> dict[str, str]:
    """Database, data and static files, in this process; returns the environment for the server."""
    environment = _environment(directory, port)
    os.environ.update(environment)
    import django
    from django.core.management import call_command

    django.setup()
    from bench import finder_data

    call_command("migrate", verbosity=0)
    finder_data.ensure_data(locations=locations, seed=seed, log=log)
    call_command("collectstatic", interactive=False, verbosity=0)
    return environment


def _get(url: str, timeout: float = 30) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})  # noqa: S310 - our own server
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.read()


def start_server(environment: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ido.conf.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--chdir",
            str(PROJECT_DIR),
            "--log-level",
            "warning",
        ],
        env=environment,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"http://127.0.0.1:{port}/health/", timeout=2)
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit("gunicorn did not start (see above).") from None
            time.sleep(0.3)


def ensure_lighthouse() -> None:
    if not LIGHTHOUSE_CLI.exists():
        log("Installing Lighthouse (npm ci in bench/lighthouse) …")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],  # noqa: S607
            cwd=LIGHTHOUSE_DIR,
            check=True,
        )


def lighthouse_version() -> str:
    return json.loads((LIGHTHOUSE_CLI.parent.parent / "package.json").read_text())["version"]


def run_lighthouse(url: str, report: Path, chrome: str) -> dict:
    command = [
        "node",
        str(LIGHTHOUSE_CLI),
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--no-enable-error-reporting",
        "--quiet",
    ]
    # Now and then Chromium loses the trace of a page load (Lighthouse's NO_NAVSTART): that run is repeated, at
    # most twice; any other failure stops the benchmark.
    for attempt in range(3):
        report.unlink(missing_ok=True)
        completed = subprocess.run(  # noqa: S603
            command, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, text=True, timeout=300
        )
        if completed.returncode == 0 and report.exists():
            return json.loads(report.read_text())
        output = f"{completed.stdout}\n{completed.stderr}"
        if "NO_NAVSTART" not in output or attempt == 2:
            break
        print(f"  (Lighthouse lost the trace of {url}; running it again)", flush=True)
    raise SystemExit(f"Lighthouse failed on {url}:\n{output}")


def _items_of(audit: dict) -> list[str]:
    """What an audit points at: the elements (selector and snippet) or URLs, at most five."""
    found = []
    for item in (audit.get("details") or {}).get("items", [])[:5]:
        node = item.get("node") if isinstance(item, dict) else None
        if node:
            found.append(f"`{node.get('selector', '')}` {node.get('snippet', '')}".strip())
        elif isinstance(item, dict) and item.get("url"):
            found.append(item["url"])
        elif isinstance(item, dict) and item.get("source", {}).get("url"):
            found.append(item["source"]["url"])
    return found


def summarise(label: str, path: str, report: dict, file: Path) -> PageRun:
    audits = report["audits"]
    failing = []
    for category_id, category in report["categories"].items():
        for reference in category["auditRefs"]:
            audit = audits[reference["id"]]
            if audit.get("score") is None or audit["scoreDisplayMode"] in ("notApplicable", "manual", "informative"):
                continue
            if audit["score"] < 1 and (reference.get("weight", 0) > 0 or category_id != "performance"):
                failing.append(
                    {
                        "category": category_id,
                        "id": reference["id"],
                        "title": audit["title"],
                        "score": audit["score"],
                        "display": audit.get("displayValue", ""),
                        "items": _items_of(audit),
                    }
                )
    requests = [
        (item["url"], int(item.get("transferSize") or 0))
        for item in (audits.get("network-requests", {}).get("details") or {}).get("items", [])
    ]
    return PageRun(
        label=label,
        path=path,
        scores={name: report["categories"][name]["score"] for name in CATEGORIES},
        metrics={key: (audits[key]["numericValue"], audits[key].get("displayValue", "")) for key, _ in METRICS},
        total_bytes=int(audits["total-byte-weight"]["numericValue"]),
        requests=requests,
        failing=failing,
        report=str(file.relative_to(PROJECT_DIR)) if file.is_relative_to(PROJECT_DIR) else str(file),
    )


def median_run(runs: list[PageRun]) -> PageRun:
    ordered = sorted(runs, key=lambda run: (run.scores["performance"] or 0, run.metrics["largest-contentful-paint"][0]))
    chosen = ordered[(len(ordered) - 1) // 2]
    chosen.performance_runs = [run.scores["performance"] or 0 for run in runs]
    return chosen


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _machine() -> dict[str, str]:
    cpu, memory = "", ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        memory = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1024 / 1024:.0f} GB memory"
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    load = os.getloadavg()[0]
    return {"cpu": cpu or "unknown CPU", "cores": str(os.cpu_count()), "memory": memory, "load": f"{load:.2f}"}


def render(pages: list[PageRun], *, version: str, chromium: str, runs: int, base: str, seconds: float) -> str:
    from django.utils import timezone

    machine = _machine()
    out = [
        "### Lighthouse",
        "",
        f"Written by `make bench-lighthouse` (`bench/lighthouse.py`): Lighthouse {version} with {chromium}, "
        f"{timezone.localtime().strftime('%Y-%m-%d %H:%M %Z')}, {seconds:.0f} s in all. Default settings: mobile "
        "emulation (a mid-range phone) with simulated throttling (slow 4G, a 4× slower CPU); each page "
        f"{runs} times, the run with the median performance score counts (the performance scores of all runs are "
        "in brackets).",
        "",
        "| page | performance | accessibility | best practices | SEO | transfer (total-byte-weight) | requests | "
        + " | ".join(name for _key, name in METRICS)
        + " |",
        "|---|---|---|---|---|---|---|" + "---|" * len(METRICS),
    ]
    for page in pages:
        all_runs = ", ".join(f"{score:.2f}" for score in page.performance_runs)
        out.append(
            f"| {page.label} (`{page.path}`) | **{_score(page.scores['performance'])}** ({all_runs}) | "
            f"**{_score(page.scores['accessibility'])}** | {_score(page.scores['best-practices'])} | "
            f"{_score(page.scores['seo'])} | {page.total_bytes / 1024:.1f} KB | {len(page.requests)} | "
            + " | ".join(page.metrics[key][1] for key, _name in METRICS)
            + " |"
        )
    verdicts = []
    for name, target in TARGETS.items():
        lowest = min(page.scores[name] or 0 for page in pages)
        verdicts.append(
            f"{name} at least {target:.2f} on every page: {'**met**' if lowest >= target else '**not met**'} "
            f"(lowest {lowest:.2f})"
        )
    budget = max(page.total_bytes for page in pages)
    verdicts.append(f"transfer at most 100 KB: {'**met**' if budget <= 100 * 1024 else '**not met**'} "
                    f"(largest {budget / 1024:.1f} KB)")  # fmt: skip
    out += ["", "Targets: " + "; ".join(verdicts) + ".", ""]
    outside = sorted({url for page in pages for url, _size in page.requests if not url.startswith(base)})
    out.append(
        "Every request went to the local server."
        if not outside
        else "Requests outside the local server: " + ", ".join(f"`{url}`" for url in outside) + "."
    )
    failing = [(page, audit) for page in pages for audit in page.failing]
    out += ["", "Audits that did not pass (in the counted runs):" if failing else "Every scored audit passed.", ""]
    for page, audit in failing:
        items = "; ".join(audit["items"]) if audit["items"] else ""
        out.append(
            f"- {page.label}: {audit['category']} `{audit['id']}` ({audit['title']}, score {audit['score']:.2f}"
            f"{', ' + audit['display'] if audit['display'] else ''}){': ' + items if items else ''}"
        )
    if failing:
        out.append("")
    out += [
        "How the pages were served: a new SQLite database with the finder benchmark's data set (the same 1,000 "
        "locations, so a result page lists ten with their hours and courses), `collectstatic` with the production "
        "storage (whitenoise: hashed names, gzip, far-future caching), gunicorn on 127.0.0.1 with `DEBUG` off and "
        "the production settings, plus gzip for the pages as the reverse proxy in front of production gives it "
        "(`bench/lighthouse_settings.py`); each page was requested twice before the runs. Without a map tile "
        "server (`IDO_MAP_TILE_URL` empty), as the budget says. The JSON reports are in `var/lighthouse/` after "
        f"a run. Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}; load average "
        f"{machine['load']}.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str]) -> None:
    options = arguments(argv)
    started = time.perf_counter()
    if not Path(options.chrome).exists():
        raise SystemExit(f"No chromium at {options.chrome}: install Debian's (make system-test-deps) or pass --chrome.")
    ensure_lighthouse()
    directory = Path(tempfile.mkdtemp(prefix="ido-lighthouse-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        log(f"Preparing the site in {directory} …")
        environment = prepare_site(directory, port, locations=options.locations, seed=options.seed)
        log(f"Starting gunicorn on {base} …")
        server = start_server(environment, port, options.workers)
        result_path = "/?q=" + QUERY.replace(" ", "+")
        html = _get(base + result_path).decode()
        match = re.search(r'href="(/locations/\d+/)', html)
        if not match:
            raise SystemExit("The result page lists no location.")
        pages = [
            (f"result page “{QUERY}”", result_path),
            ("the same in Arabic (right to left)", result_path + "&lang=ar"),
            ("location page (the nearest)", match.group(1)),
        ]
        for _label, path in pages:
            for _ in range(2):
                _get(base + path)
        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        chromium = subprocess.run(  # noqa: S603
            [options.chrome, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        results = []
        for number, (label, path) in enumerate(pages, start=1):
            runs = []
            for attempt in range(1, options.runs + 1):
                file = REPORTS_DIR / f"page{number}-run{attempt}.json"
                report = run_lighthouse(base + path, file, options.chrome)
                runs.append(summarise(label, path, report, file))
                scores = ", ".join(f"{name} {_score(runs[-1].scores[name])}" for name in CATEGORIES)
                log(f"  {label}, run {attempt}: {scores}; {runs[-1].total_bytes / 1024:.1f} KB")
            results.append(median_run(runs))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if not options.keep:
            shutil.rmtree(directory, ignore_errors=True)
    from bench.finder_report import write_lighthouse

    section = render(
        results,
        version=lighthouse_version(),
        chromium=chromium,
        runs=options.runs,
        base=base,
        seconds=time.perf_counter() - started,
    )
    write_lighthouse(options.output, section)
    log(f"Wrote the Lighthouse part of {options.output}.")
    for page in results:
        for audit in page.failing:
            log(f"  not passed: {page.label}: {audit['category']} {audit['id']} {audit['items']}")
    low = [
        (page.label, name, page.scores[name])
        for page in results
        for name, target in TARGETS.items()
        if (page.scores[name] or 0) < target
    ]
    if low:
        log("Below target: " + "; ".join(f"{label} {name} {score}" for label, name, score in low))
