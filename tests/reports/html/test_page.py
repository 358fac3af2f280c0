"""report.html from report documents: content, graceful degradation and escaping."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from harness.reports.html import render_html
from tests.report_documents import as_report

from .reports import EVIL_SYSTEM, INJECTIONS, make_report, without_statistics


class Elements(HTMLParser):
    """Every start tag with its attributes, the text inside <script>, and the tag balance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.depth: dict[str, int] = {}
        self._in_script: dict[str, str | None] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.depth[tag] = self.depth.get(tag, 0) + 1
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        self.depth[tag] = self.depth.get(tag, 0) - 1
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag
            and all(
                (a.get(k.rstrip("_")) or "").split().count(v) or a.get(k.rstrip("_")) == v
                for k, v in attrs.items()
            )
        ]


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def report():
    return make_report(with_statistics=True)


@pytest.fixture(scope="module")
def html(report):
    return render_html(as_report(report))


@pytest.fixture(scope="module")
def page(html):
    return parse(html)


def test_results_tables_have_one_row_per_system_with_cis(html, report):
    sections = re.findall(r'<table class="results" data-task="(\w+)">(.*?)</table>', html, re.S)
    by_task = {task: body for task, body in sections}
    assert set(by_task) == {"translation", "summarization"}
    systems = {t: {r["system"] for r in report["results"] if r["task"] == t} for t in by_task}
    for task, body in by_task.items():
        assert body.count('class="result-row"') == len(systems[task])
    good_bleu = next(
        r for r in report["results"] if r["system"] == "good" and r["metric"] == "bleu"
    )
    assert f"{good_bleu['score']:.2f}" in by_task["translation"]
    assert f"[{good_bleu['ci_low']:.2f}, {good_bleu['ci_high']:.2f}]" in by_task["translation"]
    assert "ter ↓" in by_task["translation"] and "bleu ↑" in by_task["translation"]


def test_best_score_is_direction_aware(html):
    body = re.search(r'<table class="results" data-task="translation">(.*?)</table>', html, re.S)[1]
    best = re.findall(r'class="num score best">([\d.]+)', body)
    # good has the highest BLEU and chrF and the lowest TER.
    assert best == ["30.00", "55.00", "45.00"]


def test_one_svg_chart_per_metric(html, report):
    charts = re.findall(r'<figure class="chart"><svg', html)
    metrics = {(r["task"], r["metric"]) for r in report["results"]}
    assert len(charts) == len(metrics)


@pytest.mark.parametrize(
    ("metric", "system", "verdict"),
    [
        ("bleu", "good", "better"),
        ("ter", "good", "better"),  # TER fell: better, although delta < 0
        ("bleu", EVIL_SYSTEM, "worse"),
        ("ter", EVIL_SYSTEM, "worse"),  # TER rose: worse, although delta > 0
        ("chrf", "good", "same"),  # p = 0.41
    ],
)
def test_significance_cells(html, metric, system, verdict):
    table = re.search(
        rf'<table class="significance" data-metric="{metric}">(.*?)</table>', html, re.S
    )[1]
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)[1:]
    column = headers.index(str(escape(system)))
    cells = re.findall(r'<td class="comparison (\w+)"', table)
    assert cells[column] == verdict


def test_older_report_without_statistics_still_renders(report):
    html = render_html(as_report(without_statistics(report)))
    assert "This report has no confidence intervals" in html
    assert "No paired comparisons in this report" in html
    assert 'class="significance"' not in html
    assert "[" not in "".join(re.findall(r'<span class="ci">(.*?)</span>', html))
    assert len(re.findall(r'<figure class="chart"><svg', html)) == 4  # bleu, chrf, ter, rouge1


def test_a_single_system_needs_no_comparison():
    report = make_report(with_statistics=True)
    report["results"] = [r for r in report["results"] if r["system"] != "bullets-copy"]
    report["segments"] = [s for s in report["segments"] if s["system"] != "bullets-copy"]
    html = render_html(as_report(report))
    assert html.count("One system only: nothing to compare.") == 1  # summarization
    assert "No paired comparisons in this report" not in html


def test_report_with_only_some_fields_renders():
    minimal = {
        "schema_version": 1,
        "results": [{"system": "a", "task": "translation", "metric": "bleu", "score": 1.0, "n": 1}],
        "segments": [],
        "provenance": {},
    }
    html = render_html(as_report(minimal))
    assert html.count('class="result-row"') == 1
    assert 'class="segments' not in html


def test_injected_markup_is_text(html, page):
    # The only executable script is the page's own; data blocks are JSON.
    executable = [a for a, _ in page.scripts if a.get("type") != "application/json"]
    assert len(executable) == 1
    assert not page.find("img") and not page.find("b")
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    assert not any(t == "svg" and "onload" in a for t, a in page.tags)
    # Tags balance: '</table>' in an output closed no table.
    assert page.depth["table"] == 0 and page.depth["td"] == 0 and page.depth["tr"] == 0
    text = "".join(page.text)
    for injection in INJECTIONS[:3]:
        assert injection in text
    assert EVIL_SYSTEM in text


def test_embedded_json_cannot_close_its_script_and_round_trips(page, report):
    blocks = [(a, body) for a, body in page.scripts if a.get("type") == "application/json"]
    assert blocks
    for _, body in blocks:
        assert "</" not in body and "<" not in body
    (data,) = [d for _, body in blocks if "good" in (d := json.loads(body))["systems"]]
    assert set(data["systems"]) == {"base", "good", EVIL_SYSTEM}
    assert len(data["rows"]) == 4
    assert data["rows"][1]["good"]["bleu"] == 30.0


def test_content_security_policy_allows_only_the_page_script(html, page):
    (csp,) = [
        a["content"] for a in page.find("meta") if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert "default-src 'none'" in csp
    (script,) = [body for a, body in page.scripts if a.get("type") is None]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").split("<svg")[0]


def test_no_external_resources(page):
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not value or value.startswith(("#", "data:")), (tag, key, value)
    # an inline icon: the browser does not go looking for favicon.ico beside the report
    assert ("link", {"rel": "icon", "href": "data:,"}) in page.tags


def test_arabic_cells_are_right_to_left(page):
    sources = page.find("td", class_="source")
    bullets = page.find("td", class_="bullets")
    assert len(sources) == 4 and len(bullets) == 1
    for cell in [*sources, *bullets]:
        assert cell["dir"] == "rtl" and cell["lang"] == "ar"


def test_segment_rows_and_summary_highlighting(html):
    assert html.count('class="segment-row"') == 4 + 1
    summary = re.search(r'<table class="segments summaries".*?</table>', html, re.S)[0]
    marked = re.findall(r"<mark>(.*?)</mark>", summary)
    # "أعرب" and "السفير" are in the bullets; "الكوري" is not.
    assert "أعرب" in marked and "السفير" in marked and "الكوري" not in marked


def test_missing_output_shows_its_status(html):
    assert (
        '<span class="status missing" title="no output &lt;b&gt;line&lt;/b&gt;">missing</span>'
        in html
    )


def test_several_corpora_get_a_section_each():
    report = make_report(with_statistics=True)
    other = make_report(with_statistics=True)
    for entry in [*report["results"], *report["segments"], *report["comparisons"]]:
        entry["corpus"] = "seeds"
    for entry in [*other["results"], *other["segments"], *other["comparisons"]]:
        entry["corpus"] = "flores"
    report["results"] += other["results"]
    report["segments"] += other["segments"]
    report["comparisons"] += other["comparisons"][:1]
    html = render_html(as_report(report))
    titles = re.findall(r"<h2>(.*?)</h2>", html)
    assert titles[:4] == [
        "Translation — seeds",
        "Summarization — seeds",
        "Translation — flores",
        "Summarization — flores",
    ]
    sections = re.split(r'<section id="section-\d+"', html)[1:]
    assert sections[0].count('<td class="comparison ') == 5
    assert sections[2].count('<td class="comparison ') == 1


def test_one_corpus_is_not_repeated_in_titles():
    report = make_report()
    for entry in [*report["results"], *report["segments"]]:
        entry["corpus"] = "seeds"
    assert re.findall(r"<h2>(.*?)</h2>", render_html(as_report(report)))[:2] == [
        "Translation",
        "Summarization",
    ]


def test_null_intervals_are_explained():
    report = make_report(with_statistics=True)
    for result in report["results"]:
        if result["task"] == "summarization":
            result["ci_low"] = result["ci_high"] = None  # one article: no interval
    html = render_html(as_report(report))
    assert "Brackets: 95% bootstrap confidence interval." in html
    assert "No confidence intervals: they need at least 2 items scored." in html


def test_embeds_are_shown_and_marked_not_scored():
    report = make_report()
    report["embeds"] = [
        {"corpus": "seed", "article_id": "a1", "segment_id": "embed-1", "kind": "embed",
         "lang": "ru", "text": "Белоусов принял участие https://t.co/x", "scored": False},
        {"corpus": "seed", "article_id": "a1", "segment_id": "embed-2", "kind": "embed",
         "lang": "en", "text": INJECTIONS[0], "scored": False},
    ]  # fmt: skip
    page = render_html(as_report(report))
    parsed = Elements()
    parsed.feed(page)
    rows = [attrs for tag, attrs in parsed.tags if tag == "tr" and attrs.get("class") == "embed-row"]
    assert len(rows) == 2
    assert "Embeds (not scored)" in page
    assert page.count('<span class="status not-scored">not scored</span>') == 2
    assert "Белоусов принял участие https://t.co/x" in page
    assert str(escape(INJECTIONS[0])) in page  # text, not markup
    assert 'href="#embeds"' in page


def test_a_report_without_embeds_has_no_embed_section():
    page = render_html(as_report(make_report()))
    assert 'id="embeds"' not in page and 'href="#embeds"' not in page
