"""report.html in a real browser: headless Debian Chromium, driven by selenium.

``make test`` installs ``chromium`` and ``chromium-driver`` (see the Makefile's ``browser``
target); selenium is given both paths, so nothing is downloaded. Screenshots are saved under
``test-artifacts/`` (gitignored) for people to look at.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select
from typer.testing import CliRunner

from harness.cli import app
from harness.reports.html import write_html_report
from harness.reports.html.view import ARTICLES_MAX, WORST_N
from harness.reports.write import write_report
from tests.report_documents import as_report

from ...conftest import REPO
from .large_report import make_large_report
from .reports import EVIL_SYSTEM, INJECTIONS, make_report

ARTIFACTS = REPO / "test-artifacts"
ARABIC = re.compile("[\u0600-\u06ff]")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> WebDriver:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.fail(
            "Chromium is missing: run `make browser` (apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield driver
    driver.quit()


def open_report(browser: WebDriver, path: Path) -> None:
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get_log("performance")
    browser.get(path.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"


def problems(browser: WebDriver) -> list[str]:
    """Console errors, and any request that left the file (the report must be self-contained)."""
    errors = [
        e["message"] for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")
    ]
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("file:", "data:")):
                requests.append(url)
    return errors + [f"request to {url}" for url in requests]


def screenshot(browser: WebDriver, name: str) -> Path:
    """A full-page screenshot in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    width, height = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    browser.set_window_size(max(1400, width), min(height + 120, 12000))
    path = ARTIFACTS / name
    assert browser.save_screenshot(str(path))
    browser.set_window_size(1400, 1000)
    return path


def section(browser: WebDriver, task: str) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, f'section.task[data-task="{task}"]')


def check_tables_match(browser: WebDriver, report: dict) -> None:
    for task in {r["task"] for r in report["results"]}:
        results = [r for r in report["results"] if r["task"] == task]
        element = section(browser, task)
        rows = element.find_elements(By.CSS_SELECTOR, "table.results tr.result-row")
        assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == list(
            dict.fromkeys(r["system"] for r in results)
        )
        metrics = list(dict.fromkeys(r["metric"] for r in results))
        assert len(rows[0].find_elements(By.CSS_SELECTOR, "td.score")) == len(metrics)
        charts = element.find_elements(By.CSS_SELECTOR, "figure.chart svg")
        assert len(charts) == len(metrics) and all(c.size["height"] > 50 for c in charts)

        segments = [s for s in report["segments"] if s["task"] == task]
        keys = Counter((s["article_id"], s["segment_id"]) for s in segments)
        rows = element.find_elements(By.CSS_SELECTOR, "table.segments tr.segment-row")
        assert len(rows) == len(keys)
        assert len(element.find_elements(By.CSS_SELECTOR, "table.segments td.output")) == len(
            segments
        )
        shown = element.find_element(By.CSS_SELECTOR, ".shown-count").text
        assert shown == f"showing {len(keys)} of {len(keys)}"


def check_arabic_is_right_to_left(browser: WebDriver) -> int:
    """Every cell with Arabic text is laid out right to left; returns how many were checked."""
    cells = browser.find_elements(By.CSS_SELECTOR, "td.source, td.bullets")
    assert cells
    for cell in cells:
        assert cell.get_attribute("dir") == "rtl"
    checked = 0
    for element in browser.find_elements(
        By.CSS_SELECTOR, "table.segments td .text, table.segments td.text"
    ):
        if len(ARABIC.findall(element.get_attribute("textContent"))) > 5:
            direction = browser.execute_script(
                "return getComputedStyle(arguments[0]).direction", element
            )
            assert direction == "rtl", element.get_attribute("outerHTML")[:200]
            checked += 1
    return checked


def test_synthetic_report_with_statistics_and_injections(browser, tmp_path):
    report = make_report(with_statistics=True)
    write_report(as_report(report), tmp_path)
    open_report(browser, tmp_path / "report.html")

    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert not browser.find_elements(By.CSS_SELECTOR, "main img, main b, main svg[onload]")
    assert problems(browser) == []
    check_tables_match(browser, report)
    assert check_arabic_is_right_to_left(browser) >= 5

    translation = section(browser, "translation")
    evil_cells = translation.find_elements(By.CSS_SELECTOR, "td.output")
    evil_text = " ".join(c.text for c in evil_cells)
    for injection in INJECTIONS[:3]:
        assert injection in evil_text  # shown as text, not run or parsed
    headers = [
        h.text
        for h in translation.find_elements(By.CSS_SELECTOR, "table.segments th.system-column")
    ]
    assert EVIL_SYSTEM in headers

    # The significance matrix is coloured by the metric's direction.
    bleu = translation.find_element(By.CSS_SELECTOR, 'table.significance[data-metric="bleu"]')
    ter = translation.find_element(By.CSS_SELECTOR, 'table.significance[data-metric="ter"]')
    for table in (bleu, ter):
        verdicts = [
            c.get_attribute("class").split()[-1] for c in table.find_elements(By.CSS_SELECTOR, "td")
        ]
        assert verdicts == ["better", "worse"]
    screenshot(browser, "report-synthetic.png")

    # Sort by the per-segment BLEU delta good − base, then keep deltas of at least 25.
    form = translation.find_element(By.CSS_SELECTOR, "form.segment-controls")
    Select(form.find_element(By.NAME, "metric")).select_by_value("bleu")
    Select(form.find_element(By.NAME, "system")).select_by_value("good")
    Select(form.find_element(By.NAME, "other")).select_by_value("base")
    Select(form.find_element(By.NAME, "order")).select_by_value("descending")
    ids = [
        r.find_element(By.CSS_SELECTOR, ".sid").text
        for r in translation.find_elements(By.CSS_SELECTOR, "tr.segment-row")
    ]
    assert ids == ["paragraph-2", "paragraph-1", "bullet-1", "title"]
    form.find_element(By.NAME, "min").send_keys("25")
    visible = [
        r for r in translation.find_elements(By.CSS_SELECTOR, "tr.segment-row") if r.is_displayed()
    ]
    assert [r.find_element(By.CSS_SELECTOR, "td.sort-value").text for r in visible] == [
        "40.00",
        "30.00",
    ]
    assert form.find_element(By.CSS_SELECTOR, ".shown-count").text == "showing 2 of 4"
    assert problems(browser) == []


def test_real_run_report(browser, tmp_path):
    """A real run (lead-2, copy and an outputs system with injected outputs) rendered as written."""
    outputs = tmp_path / "evil.jsonl"
    sources = [
        json.loads(line)
        for line in (REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    lines = [
        {
            "article_id": ref["article_id"],
            "segment_id": ref["segment_id"],
            "output": INJECTIONS[i % len(INJECTIONS)],
        }
        for i, ref in enumerate(sources[:-1])  # the last segment is missing
    ]
    outputs.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text(
        f"name: browser\narticles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
        "systems:\n"
        "  - {name: lead-2, type: lead, task: summarization, n: 2}\n"
        "  - {name: copy, type: identity, task: translation}\n"
        f"  - {{name: evil, type: outputs, task: translation, path: {outputs}, allow_missing: true}}\n"
        "compare: {baseline: copy}\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    open_report(browser, out / "report.html")

    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert problems(browser) == []
    check_tables_match(browser, report)
    assert check_arabic_is_right_to_left(browser) >= 9
    missing = browser.find_elements(By.CSS_SELECTOR, "td.output .status.missing")
    assert len(missing) == sum(s["status"] == "missing" for s in report["segments"]) == 1
    comparisons = browser.find_elements(By.CSS_SELECTOR, "table.significance td.comparison")
    assert len(comparisons) == len(report.get("comparisons", []))
    screenshot(browser, "report-run.png")


def test_large_report_is_small_and_opens_cleanly(browser, tmp_path):
    """A 100k-segment run: report.html stays under 10 MB with every table, chart and matrix,
    the worst segments and the per-article summary, and renders with no console error."""
    report = make_large_report(segments=100_000, articles=1000)
    path = write_html_report(as_report(report), tmp_path)
    assert path.stat().st_size <= 10 * 2**20
    open_report(browser, path)
    assert problems(browser) == []
    assert browser.execute_script("return typeof window.__pwned") == "undefined"

    translation = section(browser, "translation")
    assert len(translation.find_elements(By.CSS_SELECTOR, "table.results tr.result-row")) == 2
    assert len(translation.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 3
    assert len(translation.find_elements(By.CSS_SELECTOR, "table.significance td")) == 3
    note = translation.find_element(By.CSS_SELECTOR, "p.selection")
    assert "of 100000 segments" in note.text
    links = [a.get_attribute("href") for a in note.find_elements(By.TAG_NAME, "a")]
    assert sorted(link.rsplit("/", 1)[-1] for link in links) == ["report.json", "segments.csv"]

    # the worst segments of each system and metric are on the page (checked from the report)
    shown = {
        r.find_element(By.CSS_SELECTOR, ".sid").text
        for r in translation.find_elements(By.CSS_SELECTOR, "tr.segment-row")
    }
    assert 0 < len(shown) <= (2 * 3 + 3) * WORST_N
    for system in ("base", "mt"):
        for metric, sign in (("bleu", 1), ("chrf", 1), ("ter", -1)):
            entries = [s for s in report["segments"] if s["system"] == system]
            worst = sorted(entries, key=lambda s: sign * s["scores"][metric])[:WORST_N]
            assert {s["segment_id"] for s in worst} <= shown, (system, metric)
    count = translation.find_element(By.CSS_SELECTOR, ".shown-count").text
    assert count == f"showing {len(shown)} of {len(shown)}"

    # per-article summary: 1000 articles, the worst ARTICLES_MAX shown, 2 systems x 3 metrics
    articles = translation.find_elements(By.CSS_SELECTOR, "table.articles tr.article-row")
    assert len(articles) == ARTICLES_MAX
    assert len(articles[0].find_elements(By.CSS_SELECTOR, "td")) == 1 + 6
    screenshot(browser, "report-100k.png")
