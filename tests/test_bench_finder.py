"""The finder benchmark's report: its two parts land in docs/performance.md without touching anything else, and
the Lighthouse summary names what did not pass. (The figures themselves come from `make bench-finder`.)"""

from pathlib import Path

from bench import finder_report, lighthouse

OTHER = "# Performance\n\n## Summary\n\nfigures\n\n" + finder_report.NOTES_MARKER + "\n\n## Notes\n\nmine\n"


def test_each_part_replaces_only_itself(tmp_path: Path):
    path = tmp_path / "performance.md"
    path.write_text(OTHER, encoding="utf-8")

    finder_report.write_lighthouse(path, "### Lighthouse\n\nscores 1\n")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(OTHER.rstrip("\n"))
    assert finder_report.PLACEHOLDER in text
    assert text.index(finder_report.END_MARKER) < text.index(finder_report.LIGHTHOUSE_START)

    finder_report.write_section(path, "## Public finder\n\ntimings 1\n")
    finder_report.write_section(path, "## Public finder\n\ntimings 2\n")
    finder_report.write_lighthouse(path, "### Lighthouse\n\nscores 2\n")
    text = path.read_text(encoding="utf-8")

    assert text.startswith(OTHER.rstrip("\n"))
    assert "timings 2" in text and "scores 2" in text
    assert "timings 1" not in text and "scores 1" not in text and finder_report.PLACEHOLDER not in text
    assert text.count("## Public finder") == 1 and text.count("### Lighthouse") == 1
    assert text.index("timings 2") < text.index("scores 2")


def test_finder_part_goes_before_an_existing_lighthouse_part(tmp_path: Path):
    path = tmp_path / "performance.md"
    path.write_text(
        OTHER + f"\n{finder_report.LIGHTHOUSE_START}\n### Lighthouse\n{finder_report.LIGHTHOUSE_END}\n\nafter\n",
        encoding="utf-8",
    )
    finder_report.write_section(path, "## Public finder\n\ntimings\n")
    text = path.read_text(encoding="utf-8")
    assert text.index("timings") < text.index("### Lighthouse") < text.index("after")


def _report(accessibility: float) -> dict:
    contrast = {
        "score": accessibility,
        "scoreDisplayMode": "binary",
        "title": "Background and foreground colors do not have a sufficient contrast ratio.",
        "details": {"items": [{"node": {"selector": "p.muted", "snippet": '<p class="muted">'}}]},
    }
    metric = {"score": 1, "scoreDisplayMode": "numeric", "numericValue": 800.0, "displayValue": "0.8 s"}
    audits = {key: dict(metric) for key, _name in lighthouse.METRICS}
    audits |= {
        "color-contrast": contrast,
        "total-byte-weight": {"score": 1, "scoreDisplayMode": "numeric", "numericValue": 8600},
        "network-requests": {
            "score": None,
            "scoreDisplayMode": "informative",
            "details": {"items": [{"url": "http://127.0.0.1:8000/", "transferSize": 4000}]},
        },
    }
    return {
        "audits": audits,
        "categories": {
            "performance": {"score": 0.99, "auditRefs": [{"id": "first-contentful-paint", "weight": 10}]},
            "accessibility": {"score": accessibility, "auditRefs": [{"id": "color-contrast", "weight": 7}]},
            "best-practices": {"score": 1.0, "auditRefs": []},
            "seo": {"score": 1.0, "auditRefs": []},
        },
    }


def test_lighthouse_summary_names_failing_audits_and_elements(tmp_path: Path):
    passing = lighthouse.summarise("result page", "/?q=3512+AE", _report(1.0), tmp_path / "a.json")
    failing = lighthouse.summarise("result page", "/?q=3512+AE", _report(0.0), tmp_path / "b.json")
    assert passing.failing == []
    assert [audit["id"] for audit in failing.failing] == ["color-contrast"]
    assert failing.failing[0]["items"] == ['`p.muted` <p class="muted">']

    chosen = lighthouse.median_run([passing])
    text = lighthouse.render([chosen], version="12.2.3", chromium="Chromium", runs=1, base="http://127.0.0.1:8000",
                             seconds=1)  # fmt: skip
    assert "accessibility at least 1.00 on every page: **met**" in text
    assert "Every request went to the local server." in text

    text = lighthouse.render([lighthouse.median_run([failing])], version="12.2.3", chromium="Chromium", runs=1,
                             base="http://127.0.0.1:8000", seconds=1)  # fmt: skip
    assert "accessibility at least 1.00 on every page: **not met**" in text
    assert "`color-contrast`" in text and "`p.muted`" in text
