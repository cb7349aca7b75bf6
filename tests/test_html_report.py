"""The HTML report, opened in a real browser: Debian's chromium, headless, driven by playwright.

Playwright's own browsers are never downloaded: it drives ``/usr/bin/chromium`` (``.ci/run``
installs it with apt-get when it is missing). A screenshot of a real broken capture's report is
written to ``.artifacts/`` (or ``$RESPONSES_VALIDATOR_ARTIFACTS``) for a person to look at; it is
not committed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEEDS, SHARED_CORPUS, needs_shared

from validator.catalog import RULES
from validator.cli import cli, examples_dir, rule_text
from validator.engine import CheckOptions, check_file
from validator.reporting.report import Report
from validator.reporting.reporters.html import HtmlReporter

CHROMIUM = os.environ.get("RESPONSES_VALIDATOR_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("RESPONSES_VALIDATOR_ARTIFACTS", ROOT / ".artifacts"))
CLEAN = SEEDS / "004_75bce7c82fd61a67.sse"
BROKEN = SEEDS / "000_e3213cea1afb5a14.sse"
#: A real broken capture with items, parts, deltas and findings of several rules (OpenAI, trimmed).
CAPTURE = SHARED_CORPUS / "036_openai_phase_trimmed.jsonl"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def html_report(*args: str) -> tuple[int, Path]:
    out = Path("report.html").resolve()
    result = CliRunner().invoke(cli, ["check", "--html", str(out), "-q", *args], catch_exceptions=False)
    return result.exit_code, out


def embedded(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert match, "no report data in the page"
    doc: dict[str, Any] = json.loads(match.group(1))
    return doc


# ---------------------------------------------------------------------- the file itself
def test_the_page_needs_no_network():
    code, out = html_report(str(BROKEN))
    assert code == 1
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "<link" not in text and "@import" not in text and "url(http" not in text
    assert "default-src 'none'" in text  # and the page forbids itself any request


def test_model_text_cannot_break_out_of_the_data(tmp_path: Path):
    hostile = "</script><script>alert(1)</script>\u2028<!--"
    event = {"type": "response.created", "response": {"id": hostile}}
    (tmp_path / "h.jsonl").write_text(json.dumps(event, ensure_ascii=False) + "\n", encoding="utf-8")
    _, out = html_report("h.jsonl")
    text = out.read_text(encoding="utf-8")
    assert text.count("</script>") == 2  # the data element's and the script's own
    assert hostile in json.dumps(embedded(out), ensure_ascii=False)


def findings_as(fmt: str, *paths: Path) -> list[tuple[str, int, int, str, str, str]]:
    """(path, line, column, rule, severity, message) of each finding, from one output format."""
    runner = CliRunner()
    if fmt == "html":
        html_report(*map(str, paths))
        doc = embedded(Path("report.html"))
        return [
            (f["path"], x["line"], x["column"], x["rule"], x["severity"], x["message"])
            for f in doc["files"]
            for x in f["findings"]
        ]
    out = runner.invoke(cli, ["check", "--format", fmt, *map(str, paths)], catch_exceptions=False).stdout
    if fmt == "json":
        return [
            (f["path"], x["line"], x["column"], x["rule"], x["severity"], x["message"])
            for f in json.loads(out)["files"]
            for x in f["findings"]
        ]
    found = []
    for line in out.splitlines():
        m = re.match(r"(.+?):(\d+):(\d+): (\w+) (error|warning|info): (.*)$", line)
        if m:
            found.append((m[1], int(m[2]), int(m[3]), m[4], m[5], m[6]))
    return found


def test_same_findings_in_text_json_and_html():
    paths = [BROKEN, CLEAN]
    if SHARED_CORPUS.is_dir():
        paths += sorted(p for p in SHARED_CORPUS.iterdir() if p.suffix in (".sse", ".jsonl", ".txt"))[:25]
    text = findings_as("text", *paths)
    assert text == findings_as("concise", *paths)
    assert len(text) >= 3
    assert text == findings_as("json", *paths) == findings_as("html", *paths)


def test_parallel_runs_give_the_same_page():
    """With -j 2 each file's outline crosses the process boundary with its findings."""
    serial = CliRunner().invoke(cli, ["check", "--format", "html", "-j", "1", str(BROKEN), str(CLEAN)])
    parallel = CliRunner().invoke(cli, ["check", "--format", "html", "-j", "2", str(BROKEN), str(CLEAN)])
    assert serial.stdout == parallel.stdout
    assert '"outline":null' not in serial.stdout


def test_a_large_stream_makes_a_small_page(tmp_path: Path):
    """Deltas are counted, not listed: 30,000 deltas add a few kB, not one node each."""
    from test_outline import stream

    from validator.tools.probe.streamkit import message_events

    small = stream(message_events("m", 0, ["x"] * 10))
    big = stream(message_events("m", 0, ["x"] * 30000))
    sizes = []
    for name, data in (("s.sse", small), ("b.sse", big)):
        Path(name).write_bytes(data)
        _, out = html_report(name)
        sizes.append(out.stat().st_size)
    assert sizes[1] - sizes[0] < 10_000, sizes


def test_rule_docs_are_the_rule_command_text():
    result = check_file(BROKEN, CheckOptions(outline=True))
    docs = {"RSP002": rule_text(RULES["RSP002"], examples_dir())}
    doc = HtmlReporter().document(Report([result], rule_docs=docs))
    assert doc["rules"]["RSP002"]["doc"] == docs["RSP002"]
    # Without docs from the command line (the Python API), the catalog's own text.
    assert doc["rules"]["RSP209"]["doc"] == RULES["RSP209"].doc()


# ---------------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"chromium not found at {CHROMIUM}: the HTML report is tested in a real browser "
            "(`apt-get install -y chromium`, which .ci/run does; or set RESPONSES_VALIDATOR_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    pg = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: requests.append(r.url))
    yield pg
    pg.close()
    assert errors == [], errors
    assert all(u.startswith("file://") for u in requests), requests


def open_report(page: Any, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_selector("main")


def test_timeline_lanes_findings_and_event_on_click(page: Any):
    _, out = html_report(str(BROKEN))
    open_report(page, out)
    # One file: its page is the first screen.
    assert page.locator("main#file").count() == 1
    lanes = page.locator("svg#timeline g.lane")
    assert lanes.count() == 1
    assert lanes.first.get_attribute("data-kind") == "image_generation_call"
    assert page.locator("svg#timeline .lane-bar.open").count() == 1  # never closed
    assert page.locator("svg#timeline .phase").count() == 2
    marks = page.locator("svg#timeline path.finding-mark")
    assert marks.count() == 3
    assert sorted(marks.nth(i).get_attribute("data-rule") for i in range(3)) == ["RSP002", "RSP209", "RSP228"]
    assert page.locator("#findings a.rule-link").count() == 3
    assert page.locator("#event-panel").is_hidden()

    # The RSP002 finding: the event is not JSON, so the line is shown with the column marked.
    page.locator("#findings tr.finding[data-rule=RSP002]").click()
    panel = page.locator("#event-panel")
    assert panel.is_visible()
    assert "line 20, column 630" in panel.inner_text()
    assert page.locator("#event-panel pre.event-raw mark.col").count() == 1
    assert '"type":"response.output_item.done"' in page.locator("#event-panel pre").inner_text()

    # RSP228 refers to the event where the item was added: drawn when selected.
    page.locator("svg#timeline path.finding-mark[data-rule=RSP228]").click()
    assert "RSP228" in panel.inner_text()
    assert page.locator("svg#timeline [data-refers]").count() == 1


def test_clicking_a_schema_finding_highlights_its_pointer(page: Any, tmp_path: Path):
    event = {"type": "response.created", "sequence_number": "zero", "response": {"id": "r"}}
    Path("p.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    _, out = html_report("p.jsonl")
    doc = embedded(out)
    with_pointer = [x for x in doc["files"][0]["findings"] if x["pointer"] == "/sequence_number"]
    assert with_pointer, doc["files"][0]["findings"]
    open_report(page, out)
    rule = with_pointer[0]["rule"]
    page.locator(f"#findings tr.finding[data-rule={rule}]").first.click()
    mark = page.locator("#event-panel pre.event-json mark.ptr")
    assert mark.count() == 1
    assert mark.get_attribute("data-pointer") == "/sequence_number"
    assert mark.inner_text() == '"zero"'
    assert '"type": "response.created"' in page.locator("#event-panel pre.event-json").inner_text()


def test_rule_link_shows_the_embedded_rule_doc(page: Any):
    _, out = html_report(str(BROKEN))
    open_report(page, out)
    page.locator("#findings a.rule-link", has_text="RSP228").first.click()
    page.wait_for_selector("main.rule-doc")
    assert page.locator("main.rule-doc pre.doc").inner_text() == rule_text(RULES["RSP228"], examples_dir())


def test_table_sorts_and_filters(page: Any, tmp_path: Path):
    if not CAPTURE.is_file():
        pytest.fail(f"{CAPTURE} is missing (set RESPONSES_VALIDATOR_SHARED)")
    _, out = html_report(str(CAPTURE))
    doc = embedded(out)
    n = len(doc["files"][0]["findings"])
    open_report(page, out)
    rows = page.locator("#findings tbody tr.finding")
    assert rows.count() == n
    page.select_option("#rule-filter", "RSP204")
    expected = sum(1 for x in doc["files"][0]["findings"] if x["rule"] == "RSP204")
    assert rows.count() == expected > 0
    page.select_option("#rule-filter", "")
    page.locator("input.sev-filter[value=error]").uncheck()
    assert rows.count() == sum(1 for x in doc["files"][0]["findings"] if x["severity"] != "error")
    page.locator("input.sev-filter[value=error]").check()
    page.locator("#findings th[data-key=rule]").click()
    rules = [rows.nth(i).get_attribute("data-rule") for i in range(rows.count())]
    assert rules == sorted(rules)
    page.locator("#findings th[data-key=rule]").click()
    rules = [rows.nth(i).get_attribute("data-rule") for i in range(rows.count())]
    assert rules == sorted(rules, reverse=True)


def test_several_files_open_on_the_summary(page: Any):
    _, out = html_report(str(BROKEN), str(CLEAN))
    open_report(page, out)
    assert page.locator("main#summary").count() == 1
    assert page.locator("#files tr.file-row").count() == 2
    per_rule = page.locator("#rules tbody tr")
    assert per_rule.count() == 3
    assert page.locator("#rules a.rule-link").all_inner_texts() == ["RSP002", "RSP209", "RSP228"]
    page.locator("#files a", has_text=CLEAN.name).click()
    page.wait_for_selector("svg#timeline")
    assert page.locator("svg#timeline g.lane").count() == 2  # the message and its part


def test_a_long_stream_is_looked_at_through_a_window(page: Any):
    from test_outline import stream

    from validator.tools.probe.streamkit import message_events

    Path("long.sse").write_bytes(stream(*(message_events(f"m{i}", i, ["x"] * 30) for i in range(400))))
    _, out = html_report("long.sse")
    open_report(page, out)
    label = page.locator("#window-label")
    before = label.inner_text()
    drawn = page.locator("svg#timeline g.lane:not(.part)").count()
    assert 0 < drawn < 400
    box = page.locator("svg#overview").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + 20)
    assert label.inner_text() != before
    page.locator("#zoom-all").click()
    assert page.locator("#more-lanes").is_visible()


@needs_shared
def test_screenshot_of_a_real_broken_capture(page: Any):
    _, out = html_report(str(CAPTURE))
    open_report(page, out)
    page.locator("#findings tbody tr.finding").first.click()
    assert page.locator("#event-panel").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "html-report-036_openai_phase_trimmed.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(out, ARTIFACTS / "html-report-036_openai_phase_trimmed.html")
    assert shot.stat().st_size > 10_000


def test_a_file_with_more_findings_than_drawn_says_so(page: Any, monkeypatch: pytest.MonkeyPatch):
    from validator.reporting.reporters import html

    monkeypatch.setattr(html, "FINDINGS_PER_FILE", 2)
    _, out = html_report(str(BROKEN))
    doc = embedded(out)
    [f] = doc["files"]
    total = sum(f["counts"].values())
    assert len(f["findings"]) == 2 and f["omitted"] == total - 2 > 0
    open_report(page, out)
    assert page.locator("#findings tr.finding").count() == 2
    assert page.locator("#omitted").inner_text() == (
        f"Showing the first 2 findings of {total}: the text, JSON and SARIF reports list every one."
    )
    assert f"{total} findings" in page.locator("main#file p.muted").first.inner_text()


def test_the_header_names_the_profile_each_protocol_was_checked_against(page: Any):
    chat = ROOT / "corpus" / "rules" / "CH001" / "good.sse"
    anthropic = ROOT / "corpus" / "rules" / "AN010" / "good.sse"
    _, out = html_report(str(chat))
    assert embedded(out)["profiles"] == ["chat"]
    open_report(page, out)
    assert "profile chat \u00b7" in page.locator("header.top").inner_text()
    _, out = html_report(str(chat), str(anthropic), str(CLEAN))
    open_report(page, out)
    assert "profiles chat, anthropic, openai \u00b7" in page.locator("header.top").inner_text()
    _, out = html_report("--profile", "chat-compat", str(chat))
    open_report(page, out)
    assert "profile chat-compat \u00b7" in page.locator("header.top").inner_text()
