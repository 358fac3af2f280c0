"""The reports of a 100k-segment run: writing time, report.html's size, its load time.

Builds the synthetic report of ``tests/reports/html/large_report.py`` (100,000 segments for
each of two systems, 1,000 articles, BLEU/chrF++/TER with statistics, CIs and comparisons),
times each rendering (report.json, report.md, report.html, the CSV files), then opens
report.html in headless Debian Chromium through selenium, as ``tests/reports/html/
test_browser.py`` does, ``--rounds`` times in a fresh tab each, and reads the page's Navigation
Timing entry: ``loadEventEnd`` (file read, parsing, layout, the sort/filter script run) and
``domContentLoadedEventEnd``. With ``--full`` it does the same for the page with every
segment (the view a run of at most 2,000 rows per section gets), for comparison.

    .venv/bin/python benchmarks/bench_report.py [--segments 100000] [--rounds 3] [--full]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.reports.csv_export import write_exports  # noqa: E402
from harness.reports.html import view, write_html_report  # noqa: E402
from harness.reports.markdown import render_markdown  # noqa: E402
from harness.reports.write import REPORT_NAME, write_json  # noqa: E402
from tests.reports.html.large_report import make_large_report  # noqa: E402


def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )


def load_times(path: Path, rounds: int) -> list[tuple[float, float]]:
    """(DOMContentLoaded, load) in seconds after navigation start, per round."""
    driver = browser()
    try:
        times = []
        for _ in range(rounds):
            driver.get("about:blank")
            driver.get(path.as_uri())
            entry = driver.execute_script(
                "return performance.getEntriesByType('navigation')[0].toJSON()"
            )
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            if errors:
                raise SystemExit(f"console errors: {errors}")
            times.append((entry["domContentLoadedEventEnd"] / 1000, entry["loadEventEnd"] / 1000))
        return times
    finally:
        driver.quit()


def timed(label: str, action) -> None:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds (CPU time is less disturbed by other work on a shared machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    print(
        f"  {label:<28} {time.perf_counter() - started:6.2f} s wall,"
        f" {time.process_time() - cpu:6.2f} s CPU",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also the page with every segment")
    args = parser.parse_args()
    started = time.perf_counter()
    report = make_large_report(segments=args.segments)
    print(
        f"synthetic report: {args.segments} segments x 2 systems, 1000 articles "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def write_json_file() -> None:
            with (out / REPORT_NAME).open("w", encoding="utf-8") as handle:
                write_json(report, handle)

        timed("report.json", write_json_file)
        timed("report.md", lambda: (out / "report.md").write_text(render_markdown(report)))
        timed("report.html", lambda: write_html_report(report, out))
        timed("results.csv + segments.csv", lambda: write_exports(report, out))
        pages = [("report.html", out / "report.html")]
        if args.full:
            full = out / "full"
            full.mkdir()
            view.FULL_VIEW_MAX = 10**12
            timed("report.html, every segment", lambda: write_html_report(report, full))
            pages.append(("every segment", full / "report.html"))
        for name in ("report.json", "segments.csv"):
            print(f"  {name} size: {(out / name).stat().st_size / 2**20:.1f} MiB")
        for label, page in pages:
            size = page.stat().st_size / 2**20
            times = load_times(page, args.rounds)
            dom = statistics.median(t[0] for t in times)
            load = statistics.median(t[1] for t in times)
            rounds = ", ".join(f"{t[1]:.2f}" for t in times)
            print(
                f"  {label}: {size:.2f} MiB; in Chromium: DOMContentLoaded {dom:.2f} s, "
                f"load {load:.2f} s (median of {args.rounds}; load per round: {rounds})"
            )


if __name__ == "__main__":
    main()
