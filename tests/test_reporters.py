"""Each output format, byte for byte, on hand-built results; JUnit and SARIF against their schemas."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import SHARED

from validator.catalog import RULES
from validator.engine import FileResult
from validator.model.findings import Finding, Severity
from validator.reporting.baseline import Key, StaleEntry
from validator.reporting.report import Progress, Report
from validator.reporting.reporters import REPORTERS
from validator.reporting.reporters.github import GithubReporter, escape_data, escape_property
from validator.reporting.reporters.json import JsonReporter
from validator.reporting.reporters.junit import JunitReporter, xml_safe
from validator.reporting.reporters.sarif import SarifReporter
from validator.reporting.reporters.text import TextReporter

FORMATS = SHARED / "formats"
needs_formats = pytest.mark.skipif(
    not (FORMATS / "junit-10.xsd").is_file(), reason=f"format schemas not found in {FORMATS}"
)

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


def finding(
    rule: str, severity: Severity, message: str, path: str, line: int, col: int, offset: int, **kw
) -> Finding:
    return Finding(rule, RULES[rule].name, severity, message, path, line, col, offset, **kw)


A_FINDINGS = [
    finding("RSP002", E, "invalid JSON: Expecting ',' delimiter", "t/a.sse", 20, 7, 1234, event_index=5),
    finding(
        "RSP215",
        W,
        "output event before response.in_progress: 50%, a,b\nsecond line",
        "t/a.sse",
        31,
        1,
        2000,
        event_index=8,
        sequence_number=7,
        event_type="response.output_text.delta",
        pointer="/sequence_number",
    ),
]


def sample_report(**kw) -> Report:
    results = [
        FileResult("t/a.sse", 12, list(A_FINDINGS), None, "sse"),
        FileResult("t/b.jsonl", 3, [], None, "jsonl"),
    ]
    return Report(results, durations=[0.25, 0.0015], **kw)


def clean_report() -> Report:
    return Report([FileResult("t/b.jsonl", 3, [], None, "jsonl")], durations=[0.0])


def test_registry_names_every_format():
    assert list(REPORTERS) == ["text", "concise", "json", "junit", "sarif", "github", "html"]
    assert all(cls.name == name for name, cls in REPORTERS.items())


# ---------------------------------------------------------------------- text
def test_text_exact():
    assert TextReporter().render(sample_report()) == (
        "t/a.sse:20:7: RSP002 error: invalid JSON: Expecting ',' delimiter\n"
        "t/a.sse:31:1: RSP215 warning: output event before response.in_progress: 50%, a,b\\nsecond line\n"
        "Found 1 error, 1 warning in 1 of 2 files.\n"
    )


def test_text_clean_and_quiet():
    assert TextReporter().render(clean_report()) == "All checks passed: 1 file, 0 findings.\n"
    assert TextReporter(quiet=True).render(clean_report()) == ""
    assert TextReporter(quiet=True).render(sample_report()).count("\n") == 2


def test_text_color_only_when_asked():
    plain = TextReporter().render(sample_report())
    colored = TextReporter(color=True).render(sample_report())
    assert "\x1b[" not in plain
    assert "\x1b[31m" in colored  # red for error
    assert "\x1b[33m" in colored  # yellow for warning


def test_text_escapes_terminal_controls_from_model_output():
    f = finding("RSP002", E, "bad \x1b[2J text\r", "x.sse", 1, 1, 0)
    out = TextReporter().render(Report([FileResult("x.sse", 1, [f])]))
    assert out.splitlines()[0] == "x.sse:1:1: RSP002 error: bad \\x1b[2J text\\r"


def test_summary_wording():
    warn_only = Report([FileResult("w.sse", 1, [finding("RSP005", W, "m", "w.sse", 1, 1, 0)])])
    assert warn_only.summary_line() == (
        "Found 1 warning in 1 of 1 file. No errors (warnings fail only with --strict)."
    )
    assert warn_only.exit_code() == 0
    strict = Report(warn_only.results, strict=True)
    assert strict.summary_line() == "Found 1 warning in 1 of 1 file."
    assert strict.exit_code() == 1
    assert strict.exit_code(exit_zero=True) == 0
    unreadable = Report([FileResult("gone.sse", error="No such file or directory")])
    assert unreadable.summary_line() == "Checked 1 file. 1 file could not be read."
    assert unreadable.exit_code(exit_zero=True) == 2
    assert Report([]).summary_line() == "No transcripts to check."
    stale = StaleEntry(Key("a.sse", "RSP002", "", "m"), 2, 0)
    based = Report(clean_report().results, baselined=3, stale=[stale], with_baseline=True)
    assert based.summary_line() == (
        "All checks passed: 1 file, 0 new findings. 3 findings hidden by the baseline."
        " 1 baseline entry no longer occurs (rewrite the baseline with --write-baseline)."
    )


def test_text_and_github_name_stale_baseline_entries():
    stale = StaleEntry(Key("t/a.sse", "RSP302", "response.output_text.done", "text differs"), 2, 1)
    report = Report(clean_report().results, baselined=1, stale=[stale], with_baseline=True)
    assert TextReporter().render(report) == (
        "stale baseline entry: t/a.sse: RSP302 on response.output_text.done: text differs"
        " (recorded 2, found 1)\n"
        "All checks passed: 1 file, 0 new findings. 1 finding hidden by the baseline."
        " 1 baseline entry no longer occurs (rewrite the baseline with --write-baseline).\n"
    )
    assert GithubReporter().render(report) == (
        "::notice title=stale baseline entry::"
        "t/a.sse: RSP302 on response.output_text.done: text differs (recorded 2, found 1)\n"
    )


# ---------------------------------------------------------------------- json
def test_json_exact():
    doc = json.loads(JsonReporter().render(sample_report()))
    assert doc == {
        "version": 1,
        "files": [
            {
                "path": "t/a.sse",
                "format": "sse",
                "events": 12,
                "valid": False,
                "error": None,
                "notice": None,
                "profiles": [],
                "findings": [
                    {
                        "rule": "RSP002",
                        "name": "invalid-json",
                        "severity": "error",
                        "message": "invalid JSON: Expecting ',' delimiter",
                        "line": 20,
                        "column": 7,
                        "offset": 1234,
                        "event_index": 5,
                        "sequence_number": None,
                        "event_type": None,
                        "pointer": "",
                        "details": [],
                        "related": [],
                    },
                    {
                        "rule": "RSP215",
                        "name": "item-event-before-in-progress",
                        "severity": "warning",
                        "message": "output event before response.in_progress: 50%, a,b\nsecond line",
                        "line": 31,
                        "column": 1,
                        "offset": 2000,
                        "event_index": 8,
                        "sequence_number": 7,
                        "event_type": "response.output_text.delta",
                        "pointer": "/sequence_number",
                        "details": [],
                        "related": [],
                    },
                ],
            },
            {
                "path": "t/b.jsonl",
                "format": "jsonl",
                "events": 3,
                "valid": True,
                "error": None,
                "notice": None,
                "profiles": [],
                "findings": [],
            },
        ],
        "summary": {
            "files": 2,
            "files_with_findings": 1,
            "unreadable": 0,
            "nothing_checked": 0,
            "errors": 1,
            "warnings": 1,
            "infos": 0,
            "profile": "openai",
            "profiles": ["openai"],
            "strict": False,
            "passed": False,
            "baselined": 0,
            "stale": [],
        },
    }


def test_json_text_layout_is_stable():
    out = JsonReporter().render(clean_report())
    assert out == (
        "{\n"
        '  "version": 1,\n'
        '  "files": [\n'
        "    {\n"
        '      "path": "t/b.jsonl",\n'
        '      "format": "jsonl",\n'
        '      "events": 3,\n'
        '      "valid": true,\n'
        '      "error": null,\n'
        '      "notice": null,\n'
        '      "profiles": [],\n'
        '      "findings": []\n'
        "    }\n"
        "  ],\n"
        '  "summary": {\n'
        '    "files": 1,\n'
        '    "files_with_findings": 0,\n'
        '    "unreadable": 0,\n'
        '    "nothing_checked": 0,\n'
        '    "errors": 0,\n'
        '    "warnings": 0,\n'
        '    "infos": 0,\n'
        '    "profile": "openai",\n'
        '    "profiles": [\n'
        '      "openai"\n'
        "    ],\n"
        '    "strict": false,\n'
        '    "passed": true,\n'
        '    "baselined": 0,\n'
        '    "stale": []\n'
        "  }\n"
        "}\n"
    )


def test_json_strict_marks_warning_files_invalid_and_reports_unreadable():
    w = FileResult("w.sse", 1, [finding("RSP005", W, "m", "w.sse", 1, 1, 0)])
    gone = FileResult("gone.sse", error="No such file or directory")
    doc = json.loads(JsonReporter().render(Report([w, gone], strict=True)))
    assert [f["valid"] for f in doc["files"]] == [False, False]
    assert doc["files"][1]["error"] == "No such file or directory"
    assert doc["summary"]["unreadable"] == 1


# ---------------------------------------------------------------------- junit
JUNIT_EXPECTED = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="llm-stream-validator" tests="3" failures="2" errors="0" time="0.252">
  <testsuite name="t/a.sse" tests="2" failures="2" errors="0" skipped="0" time="0.250">
    <testcase name="RSP002 invalid-json (line 20)" classname="t/a.sse">
      <failure type="error" message="invalid JSON: Expecting ',' delimiter">\
t/a.sse:20:7: RSP002 error: invalid JSON: Expecting ',' delimiter
byte offset: 1234, event index: 5</failure>
    </testcase>
    <testcase name="RSP215 item-event-before-in-progress (line 31)" classname="t/a.sse">
      <failure type="warning" message="output event before response.in_progress: 50%, a,b&#10;second line">\
t/a.sse:31:1: RSP215 warning: output event before response.in_progress: 50%, a,b
second line
byte offset: 2000, event index: 8, sequence_number: 7, event type: response.output_text.delta, \
pointer: /sequence_number</failure>
    </testcase>
  </testsuite>
  <testsuite name="t/b.jsonl" tests="1" failures="0" errors="0" skipped="0" time="0.002">
    <testcase name="conformance" classname="t/b.jsonl" />
  </testsuite>
</testsuites>
"""


def test_junit_exact():
    assert JunitReporter().render(sample_report()) == JUNIT_EXPECTED


def nasty_report() -> Report:
    """Model output carries characters XML 1.0 forbids, a lone surrogate, and a repeated rule on one line."""
    path = "t/\x01odd.sse"
    findings = [
        finding("RSP302", E, "text differs: 'a\x00b\x1bc\ud800d\ufffe'", path, 4, 1, 10),
        finding("RSP302", E, "text differs again", path, 4, 9, 18),
    ]
    gone = FileResult("t/gone.sse", error="Permission denied")
    return Report([FileResult(path, 2, findings), gone], durations=[1234.5678, 0.0])


def test_junit_strips_forbidden_characters_and_names_cases_uniquely():
    out = JunitReporter().render(nasty_report())
    out.encode("utf-8")  # no lone surrogate survived
    assert "text differs: 'abcd'" in out
    assert 'name="RSP302 done-part-mismatch (line 4)"' in out
    assert 'name="RSP302 done-part-mismatch (line 4, #2)"' in out
    assert '<error type="unreadable" message="Permission denied">t/gone.sse: Permission denied</error>' in out
    assert xml_safe("ok\ttab\nnl\rcr\U0001f600") == "ok\ttab\nnl\rcr\U0001f600"


@needs_formats
@pytest.mark.parametrize(
    "make", [sample_report, clean_report, nasty_report], ids=["sample", "clean", "nasty"]
)
def test_junit_validates_against_xsd_and_reads_back(make):
    from junitparser import JUnitXml
    from lxml import etree

    report = make()
    out = JunitReporter().render(report)
    schema = etree.XMLSchema(etree.parse(str(FORMATS / "junit-10.xsd")))
    doc = etree.fromstring(out.encode("utf-8"))
    # The xsd declares <testsuite> at top level as well; validate each suite and the root.
    for suite in doc.iter("testsuite"):
        schema.assertValid(etree.ElementTree(suite))
    schema.assertValid(etree.ElementTree(doc))

    xml = JUnitXml.fromstring(out.encode("utf-8"))
    suites = list(xml)
    assert len(suites) == len(report.results)
    for suite, result in zip(suites, report.results, strict=True):
        assert suite.name == xml_safe(result.path)
        expected_failures = len(result.findings)
        expected_errors = 1 if result.error else 0
        assert (suite.tests, suite.failures, suite.errors) == (
            max(expected_failures + expected_errors, 1),
            expected_failures,
            expected_errors,
        )
        assert len(list(suite)) == suite.tests


# ---------------------------------------------------------------------- sarif
def test_sarif_exact():
    doc = json.loads(SarifReporter(tool_version="9.9.9").render(sample_report()))
    rules = doc["runs"][0]["tool"]["driver"].pop("rules")
    assert [r["id"] for r in rules] == list(RULES)
    assert rules[1] == {
        "id": "RSP002",
        "name": "invalid-json",
        "shortDescription": {"text": "event data is not valid JSON"},
        "fullDescription": {"text": RULES["RSP002"].what},
        "help": {"text": RULES["RSP002"].doc(), "markdown": rules[1]["help"]["markdown"]},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["responses-api", "framing"],
            "precision": "very-high",
            "problem.severity": "error",
        },
    }
    assert rules[1]["help"]["markdown"].startswith("**RSP002 invalid-json** (error, framing)\n")
    rsp215 = list(RULES).index("RSP215")
    assert doc == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "llm-stream-validator", "version": "9.9.9"}},
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": []}],
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "RSP002",
                        "level": "error",
                        "message": {"text": "invalid JSON: Expecting ',' delimiter"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "t/a.sse", "uriBaseId": "%SRCROOT%"},
                                    "region": {"startLine": 20, "startColumn": 7, "byteOffset": 1234},
                                }
                            }
                        ],
                        "partialFingerprints": {"responsesValidator/v1": doc_fp(doc, 0)},
                        "ruleIndex": 1,
                        "properties": {"eventIndex": 5},
                    },
                    {
                        "ruleId": "RSP215",
                        "level": "warning",
                        "message": {
                            "text": "output event before response.in_progress: 50%, a,b\nsecond line"
                        },
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "t/a.sse", "uriBaseId": "%SRCROOT%"},
                                    "region": {"startLine": 31, "startColumn": 1, "byteOffset": 2000},
                                }
                            }
                        ],
                        "partialFingerprints": {"responsesValidator/v1": doc_fp(doc, 1)},
                        "ruleIndex": rsp215,
                        "properties": {
                            "eventIndex": 8,
                            "sequenceNumber": 7,
                            "eventType": "response.output_text.delta",
                            "pointer": "/sequence_number",
                        },
                    },
                ],
            }
        ],
    }


def doc_fp(doc: dict, i: int) -> str:
    fp = doc["runs"][0]["results"][i]["partialFingerprints"]["responsesValidator/v1"]
    assert len(fp) == 64 and int(fp, 16) >= 0
    return fp


def test_sarif_fingerprints_survive_line_moves_and_tell_repeats_apart():
    def fps(line_shift: int) -> list[str]:
        findings = [
            finding("RSP302", E, "same", "x.sse", 4 + line_shift, 1, 10 + line_shift),
            finding("RSP302", E, "same", "x.sse", 9 + line_shift, 1, 50 + line_shift),
        ]
        doc = SarifReporter().document(Report([FileResult("x.sse", 2, findings)]))
        return [r["partialFingerprints"]["responsesValidator/v1"] for r in doc["runs"][0]["results"]]

    assert fps(0) == fps(7)
    assert len(set(fps(0))) == 2


def test_sarif_profile_disables_rules_that_do_not_apply():
    doc = SarifReporter().document(Report([], profile="openai"))
    by_id = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert by_id["RSP007"]["defaultConfiguration"] == {"level": "error", "enabled": False}
    doc = SarifReporter().document(Report([], profile="open-responses"))
    by_id = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert by_id["RSP005"]["defaultConfiguration"] == {"level": "error"}


@needs_formats
@pytest.mark.parametrize(
    "make", [sample_report, clean_report, nasty_report], ids=["sample", "clean", "nasty"]
)
def test_sarif_validates_against_schema(make):
    import jsonschema

    schema = json.loads((FORMATS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    report = make()
    doc = json.loads(SarifReporter().render(report))
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=str)
    assert not errors, errors[0]
    run = doc["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is not bool(report.unreadable)
    # GitHub code scanning: every result has a location and a relative or file: URI.
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/")


def test_sarif_uri_is_percent_encoded():
    doc = SarifReporter().document(nasty_report())
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "t/%01odd.sse"
    note = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
    assert note["message"]["text"] == "could not read t/gone.sse: Permission denied"


# ---------------------------------------------------------------------- github
def test_github_exact():
    assert GithubReporter().render(sample_report()) == (
        "::error file=t/a.sse,line=20,col=7,title=RSP002 invalid-json::"
        "invalid JSON: Expecting ',' delimiter\n"
        "::warning file=t/a.sse,line=31,col=1,title=RSP215 item-event-before-in-progress::"
        "output event before response.in_progress: 50%25, a,b%0Asecond line\n"
    )


def test_github_info_is_a_notice_and_properties_are_escaped():
    f = finding("RSP006", I, "sent [DONE]", "dir,x/a:b.sse", 3, 1, 0)
    out = GithubReporter().render(Report([FileResult("dir,x/a:b.sse", 1, [f])]))
    assert (
        out == "::notice file=dir%2Cx/a%3Ab.sse,line=3,col=1,title=RSP006 done-sentinel-sent::sent [DONE]\n"
    )
    assert escape_data("100%\r\n") == "100%25%0D%0A"
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"


def test_github_step_summary_exact():
    assert GithubReporter().step_summary(sample_report()) == (
        "## llm-stream-validator\n"
        "\n"
        "Found 1 error, 1 warning in 1 of 2 files.\n"
        "\n"
        "| Location | Rule | Severity | Message |\n"
        "| --- | --- | --- | --- |\n"
        "| `t/a.sse:20:7` | RSP002 invalid-json | error | invalid JSON: Expecting ',' delimiter |\n"
        "| `t/a.sse:31:1` | RSP215 item-event-before-in-progress | warning |"
        " output event before response.in_progress: 50%, a,b second line |\n"
        "\n"
    )
    assert GithubReporter().step_summary(clean_report()) == (
        "## llm-stream-validator\n\nAll checks passed: 1 file, 0 findings.\n\n"
    )


def test_github_step_summary_escapes_table_breakers():
    f = finding("RSP302", E, "a|b <script>", "x.sse", 1, 1, 0)
    out = GithubReporter().step_summary(Report([FileResult("x.sse", 1, [f])]))
    assert "| a\\|b &lt;script> |" in out


# ---------------------------------------------------------------------- progress
class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_waits_a_second_then_draws_and_erases_itself():
    now = [0.0]
    stream = FakeTty()
    progress = Progress(4, stream, clock=lambda: now[0])
    progress.advance()
    assert stream.getvalue() == ""  # a quick run leaves no trace
    now[0] = 1.5
    progress.advance()
    assert stream.getvalue().endswith("Checking [###############---------------] 2/4 files")
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_progress_silent_when_piped_or_disabled():
    now = [5.0]
    for stream, enabled in ((io.StringIO(), True), (FakeTty(), False)):
        progress = Progress(2, stream, enabled=enabled, clock=lambda: now[0])
        now[0] += 10
        progress.advance()
        progress.close()
        assert stream.getvalue() == ""


def test_reporters_never_read_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Reporters render what they are given: paths need not exist.
    monkeypatch.chdir(tmp_path)
    for cls in REPORTERS.values():
        assert cls().render(sample_report())


def test_json_and_sarif_name_the_profile_of_the_protocol_each_file_was_checked_against(tmp_path):
    from click.testing import CliRunner

    from validator.cli import cli

    rules = Path(__file__).resolve().parent.parent / "corpus" / "rules"
    chat, anthropic = rules / "CH001" / "good.sse", rules / "AN010" / "good.sse"
    done = CliRunner().invoke(cli, ["check", "--format", "json", str(chat)])
    doc = json.loads(done.output)
    assert doc["summary"]["profile"] == "chat" and doc["summary"]["profiles"] == ["chat"]
    assert doc["files"][0]["profiles"] == ["chat"]
    done = CliRunner().invoke(cli, ["check", "--format", "json", str(chat), str(anthropic)])
    doc = json.loads(done.output)
    assert doc["summary"]["profile"] is None and doc["summary"]["profiles"] == ["chat", "anthropic"]
    assert [f["profiles"] for f in doc["files"]] == [["chat"], ["anthropic"]]

    # SARIF: each rule's severity in the profile its protocol was checked against, and its tag.
    sarif = tmp_path / "out.sarif"
    CliRunner().invoke(cli, ["check", "-q", "--profile", "chat-compat", "--sarif", str(sarif), str(chat)])
    descriptors = {r["id"]: r for r in json.loads(sarif.read_text())["runs"][0]["tool"]["driver"]["rules"]}
    assert RULES["CH004"].severity_in("chat-compat") is Severity.INFO
    assert descriptors["CH004"]["defaultConfiguration"] == {"level": "note"}
    # The Responses rules keep the Responses default profile's (RSP007 does not apply in openai).
    assert descriptors["RSP007"]["defaultConfiguration"] == {"level": "error", "enabled": False}
    assert descriptors["CH001"]["properties"]["tags"][0] == "chat-completions-api"
    assert descriptors["AN010"]["properties"]["tags"][0] == "anthropic-messages-api"
    report = Report([FileResult("a.sse", profiles=("chat-compat",))], profile="openai")
    assert report.profile_for("chat") == "chat-compat" and report.profile_for("responses") == "openai"
    assert report.profile_for("anthropic") == "anthropic"
