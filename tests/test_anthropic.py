"""Anthropic Messages streams: recognition, profiles, Bedrock's event-stream framing, the machine's
one-root-cause behaviour, mutation testing and the anthropic-python oracle.

The corpus sidecars (our transcripts in corpus/anthropic, the shared captures in
corpus/real-anthropic) and the rule examples run in test_corpus.py and test_rule_examples.py;
this file checks what those cannot: behaviour across profiles and inputs.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import CORPUS, SHARED_ANTHROPIC, needs_shared

from tools.anthropic_oracle import sdk_outcome
from validator.engine import CheckOptions, check_bytes, check_events, check_file
from validator.model.findings import Severity
from validator.protocols import detect
from validator.reading.eventstream import iter_messages, sniff
from validator.tools.mutate.anthropic import TABLE
from validator.tools.mutate.operators import generate
from validator.tools.probe.messagekit import MessageBuilder, render_sse

OWN = sorted(p for p in (CORPUS / "anthropic").iterdir() if not p.name.endswith(".json"))
RULE_EXAMPLES = sorted(
    p
    for d in (CORPUS / "rules").glob("AN*")
    for p in d.iterdir()
    if p.name.startswith(("bad.", "good.")) and not p.name.endswith(".json")
)
SEEDS = (0, 1)


def _index() -> dict[str, dict[str, str]]:
    with (SHARED_ANTHROPIC / "INDEX.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _captures(judgment: str | None = None) -> list[Path]:
    if not SHARED_ANTHROPIC.is_dir():
        return []
    index = _index()
    return [
        SHARED_ANTHROPIC / f
        for f, row in sorted(index.items())
        if judgment is None or row["judgment"] == judgment
    ]


def _errors(result: object) -> list[str]:
    return [f"{f.rule}@{f.line}" for f in result.findings if f.severity is Severity.ERROR]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- recognition


@pytest.mark.parametrize("path", OWN, ids=lambda p: p.name)
def test_own_transcripts_are_recognised(path: Path) -> None:
    assert check_file(path).input_format is not None
    if path.suffix != ".eventstream":
        assert detect(path.read_bytes()[:16384]).name == "anthropic"


@needs_shared
def test_every_capture_is_recognised_as_messages() -> None:
    wrong = [p.name for p in _captures() if detect(p.read_bytes()[:16384]).name != "anthropic"]
    assert not wrong


def test_responses_streams_are_not_taken_for_messages() -> None:
    streams = sorted((CORPUS / "streams").glob("*.sse"))
    assert streams
    assert [p.name for p in streams if detect(p.read_bytes()[:16384]).name == "anthropic"] == []


def test_decoded_events_are_recognised() -> None:
    events = [e.data for e in MessageBuilder("events").start().text(["Hi", "!"]).finish().events]
    result = check_events(events)
    assert result.findings == []
    broken = [events[0], *events[2:]]  # the block's start is lost
    assert "AN206" in {f.rule for f in check_events(broken).findings}


# ---------------------------------------------------------------- profiles


@needs_shared
def test_bridge_deviations_are_judged_by_the_anthropic_profile_only() -> None:
    deviations = _captures("DEVIATION")
    assert len(deviations) == 6
    first_party = {"AN210", "AN221", "AN303", "AN307"}
    judged = 0
    for path in deviations:
        default = [(f.rule, f.line) for f in check_file(path).findings]
        compatible = [
            (f.rule, f.line) for f in check_file(path, CheckOptions(profile="anthropic-compatible")).findings
        ]
        judged += any(rule in first_party for rule, _ in default)
        # The same stream, less exactly what only api.anthropic.com provides.
        assert compatible == [f for f in default if f[0] not in first_party], path.name
    assert judged == 5  # 033's deviation is its error event, an error in both profiles


# ---------------------------------------------------------------- Bedrock's event-stream


@needs_shared
def test_eventstream_bodies_give_what_their_decoded_payloads_give() -> None:
    bodies = sorted(SHARED_ANTHROPIC.glob("*.eventstream"))
    assert len(bodies) == 4
    for body in bodies:
        data = body.read_bytes()
        assert sniff(data[:12])
        raw = check_file(body)
        decoded = check_file(body.with_suffix(".jsonl"))
        assert raw.input_format == "eventstream"
        assert raw.events == decoded.events == len(list(iter_messages(data)))
        assert [f.rule for f in raw.findings] == [f.rule for f in decoded.findings] == []


def test_eventstream_exception_is_a_failed_stream() -> None:
    from validator.tools.probe.messagekit import eventstream_message, render_eventstream

    body, _, _ = render_eventstream(MessageBuilder("exc", pings=False).start().text(["Hi"]).events[:-1])
    body += eventstream_message(
        {
            ":exception-type": "throttlingException",
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        b'{"message":"Too many requests, please wait before trying again."}',
    )
    result = check_bytes(body, "bedrock.eventstream")
    assert [(f.rule, f.line) for f in result.findings] == [("AN219", 4)]  # the fourth message
    assert "throttlingException" in result.findings[0].message


def test_truncated_eventstream_is_reported_at_the_broken_message() -> None:
    body, _, _ = render_eventstream_text("cut")
    result = check_bytes(body[:-7], "cut.eventstream")
    rules = [(f.rule, f.line) for f in result.findings]
    assert ("AN007", 7) in rules


def render_eventstream_text(label: str) -> tuple[bytes, list[tuple[str, int]], int]:
    from validator.tools.probe.messagekit import render_eventstream

    return render_eventstream(MessageBuilder(label, pings=False).start().text(["a", "b"]).finish().events)


# ---------------------------------------------------------------- one root cause


def test_content_before_message_start_is_one_finding() -> None:
    events = MessageBuilder("late-start").start().text(["Hi"]).finish().events
    events[0], events[1] = events[1], events[0]
    body, _, _ = render_sse(events)
    assert [f.rule for f in check_bytes(body).findings] == ["AN201"]


def test_error_event_does_not_cascade() -> None:
    events = MessageBuilder("fails").start().text(["Hi", " there"]).events[:-1]
    events.append(MessageBuilder("fails").error().events[0])
    body, _, _ = render_sse(events)
    assert [f.rule for f in check_bytes(body).findings] == ["AN219"]


def test_truncated_tool_input_is_a_warning_under_max_tokens_only() -> None:
    def stream(stop: str) -> bytes:
        b = MessageBuilder("cut").start().tool_use("write", ['{"path": "a.md", "text": "un'])
        return render_sse(b.finish(stop).events)[0]

    cut = check_bytes(stream("max_tokens")).findings
    wrong = check_bytes(stream("tool_use")).findings
    assert [(f.rule, f.severity) for f in cut] == [("AN301", Severity.WARNING)]
    assert [(f.rule, f.severity) for f in wrong] == [("AN301", Severity.ERROR)]
    assert cut[0].line == wrong[0].line  # at the block's content_block_stop


# ---------------------------------------------------------------- mutation testing


def _valid_bases() -> list[Path]:
    own = [p for p in OWN if p.suffix in (".sse", ".jsonl") and not _errors(check_file(p))]
    shared = [p for p in _captures("VALID") if p.suffix in (".sse", ".jsonl")]
    return own + shared


@pytest.mark.parametrize("name", [op[0] for op in TABLE])
def test_every_mutant_is_reported_by_its_rule_at_its_line(name: str) -> None:
    made = 0
    failures = []
    for base in _valid_bases():
        for seed in SEEDS:
            for mutant in generate(
                base.read_text(encoding="utf-8"), base.name, [name], seed, protocol="anthropic"
            ):
                made += 1
                result = check_bytes(mutant.text.encode("utf-8"), mutant.name)
                e = mutant.expected
                hit = [
                    f
                    for f in result.findings
                    if f.rule == e["rule"] and f.line == e["line"] and f.severity.value == e["severity"]
                ]
                if not hit:
                    got = [f"{f.rule}@{f.line}:{f.severity.value}" for f in result.findings]
                    failures.append(
                        f"{mutant.name}: expected {e['rule']}@{e['line']} ({e['description']}); got {got}"
                    )
    assert made > 0, f"operator {name} found no target in any base"
    assert not failures, "\n".join(failures[:10])


def test_valid_bases_have_no_error() -> None:
    bases = _valid_bases()
    assert len(bases) >= 10
    assert {p.name: _errors(check_file(p)) for p in bases if _errors(check_file(p))} == {}


# ---------------------------------------------------------------- the SDK as an oracle


def _oracle_inputs() -> list[tuple[str, bytes]]:
    inputs = [(p.name, p.read_bytes()) for p in OWN if p.suffix in (".sse", ".jsonl")]
    inputs += [
        (p.parent.name + "/" + p.name, p.read_bytes())
        for p in RULE_EXAMPLES
        if p.suffix in (".sse", ".jsonl")
    ]
    inputs += [(p.name, p.read_bytes()) for p in _captures() if p.suffix in (".sse", ".jsonl")]
    for base in _valid_bases()[:8]:
        for mutant in generate(base.read_text(encoding="utf-8"), base.name, None, 0, protocol="anthropic"):
            inputs.append((mutant.name, mutant.text.encode("utf-8")))
    return inputs


def test_whenever_the_sdk_raises_we_report_an_error() -> None:
    pytest.importorskip("anthropic", reason="anthropic is a test dependency (pip install -e '.[test]')")
    raised = 0
    missed = []
    for name, body in _oracle_inputs():
        error, _ = sdk_outcome(body, name)
        if error is None:
            continue
        raised += 1
        if not _errors(check_bytes(body, name)):
            missed.append(f"{name}: the SDK raises {error}, we report no error")
    assert raised >= 10, "the oracle should fail on some inputs"
    assert not missed, "\n".join(missed)


# ---------------------------------------------------------------- the command line


def test_rules_command_lists_the_protocols_rules() -> None:
    from click.testing import CliRunner

    from validator.catalog import RULES
    from validator.cli import cli

    out = CliRunner().invoke(cli, ["rules", "--protocol", "anthropic"]).output.splitlines()
    ids = [line.split()[0] for line in out[1:]]
    assert ids == sorted(r for r in RULES if r.startswith("AN"))
    doc = CliRunner().invoke(cli, ["rules", "--protocol", "anthropic", "--format", "json"]).output
    assert '"anthropic-compatible": null' in doc  # AN210 is not reported for compatible servers


def test_check_command_takes_the_protocol_and_its_profile() -> None:
    from click.testing import CliRunner

    from validator.cli import cli

    bad = str(CORPUS / "rules" / "AN303" / "bad.sse")
    default = CliRunner().invoke(cli, ["check", "--isolated", bad])
    compatible = CliRunner().invoke(cli, ["check", "--isolated", "--profile", "anthropic-compatible", bad])
    forced = CliRunner().invoke(cli, ["check", "--isolated", "--protocol", "responses", bad])
    assert "AN303" in default.output and default.exit_code == 0  # a warning
    assert "AN303" not in compatible.output and compatible.exit_code == 0
    assert "RSP" in forced.output and forced.exit_code == 1  # read as Responses, it is nothing like one


# ---------------------------------------------------------------- the fast lane


def test_the_lane_changes_nothing_on_messages_mutants() -> None:
    from validator.engine import check_chunks

    def chunks(data: bytes, size: int) -> list[bytes]:
        return [data[i : i + size] for i in range(0, len(data), size)] or [b""]

    compared = 0
    for base in _valid_bases():
        texts = [base.read_text(encoding="utf-8")]
        texts += [m.text for m in generate(texts[0], base.name, None, 0, protocol="anthropic")]
        for text in texts:
            data = text.encode("utf-8")
            for size in (len(data) or 1, 4096):
                fast = check_chunks(chunks(data, size), base.name, lane=True)
                slow = check_chunks(chunks(data, size), base.name, lane=False)
                assert (fast.events, fast.findings) == (slow.events, slow.findings), base.name
                compared += 1
    assert compared > 200


# ---------------------------------------------------------------- recorded calls


def test_recorded_messages_calls_are_checked_as_messages(tmp_path: Path) -> None:
    import json

    from tools.rule_examples.anthropic import har

    broken = (CORPUS / "rules" / "AN208" / "bad.sse").read_bytes()
    data, _ = har(200, "text/event-stream", broken)
    doc = json.loads(data)
    # A Responses call beside it, answered with a clean Responses stream: checked as Responses.
    seed = (CORPUS / "seeds" / "004_75bce7c82fd61a67.sse").read_text(encoding="utf-8")
    other = json.loads(json.dumps(doc["log"]["entries"][0]))
    other["request"]["url"] = "https://api.openai.com/v1/responses"
    other["response"]["content"]["text"] = seed
    doc["log"]["entries"].append(other)
    path = tmp_path / "calls.har"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    result = check_file(path)
    assert result.error is None and result.events > 20
    assert [f.rule for f in result.findings] == ["AN208"]
    only_responses = check_file(path, CheckOptions(protocol="responses"))
    assert only_responses.findings == []  # the Messages call is not a Responses call


# ---------------------------------------------------------------- the live probe (on a local replay server)


def _answers() -> dict[str, object]:
    from validator.tools.probe.replay import Reply

    thinking = render_sse(
        MessageBuilder("p-think").start().thinking(["17 * 23 = 391."]).text(["391"]).finish().events
    )[0]
    tool = MessageBuilder("p-tool").start().tool_use("get_weather", ['{"location": "Paris, France"}'])
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "messages: Input should be a valid list"},
    }
    return {
        "messages-text": Reply.sse(
            render_sse(MessageBuilder("p-text").start().text(["Hello", " there", " friend"]).finish().events)[
                0
            ]
        ),
        "messages-tool-use": Reply.sse(render_sse(tool.finish("tool_use").events)[0]),
        "messages-thinking": Reply.sse(thinking),
        "messages-malformed-request": Reply.json(error, 400),
    }


def test_probe_passes_a_conforming_messages_endpoint() -> None:
    from validator.tools.probe import messages
    from validator.tools.probe.command import run_probe
    from validator.tools.probe.replay import ReplayServer

    with ReplayServer(_answers()) as server:  # type: ignore[arg-type]
        results = run_probe(server.url, list(messages.SCENARIOS), api_key="sk-test", timeout=10.0)
        sent = list(server.requests)
    assert [(r.scenario, [f.rule for f in r.findings]) for r in results] == [
        (n, []) for n in messages.SCENARIOS
    ]
    assert all(r.path.endswith("/v1/messages") for r in sent)
    assert all(r.headers.get("x-api-key") == "sk-test" and r.headers.get("anthropic-version") for r in sent)


def test_probe_reports_what_a_messages_endpoint_gets_wrong() -> None:
    from validator.tools.probe.command import run_probe
    from validator.tools.probe.replay import ReplayServer, Reply

    answers = _answers()
    answers["messages-tool-use"] = answers["messages-text"]  # answers in text: the tool call is lost
    answers["messages-malformed-request"] = Reply(b"<html>bad gateway</html>", 502, "text/html")
    unsigned = MessageBuilder("p-unsigned").start().thinking(["391"], signature=None).text(["391"]).finish()
    answers["messages-thinking"] = Reply.sse(render_sse(unsigned.events)[0])
    with ReplayServer(answers) as server:  # type: ignore[arg-type]
        results = {
            r.scenario: sorted({f.rule for f in r.findings})
            for r in run_probe(server.url, list(answers), timeout=10.0)
        }
    assert results == {
        "messages-text": [],
        "messages-tool-use": ["AN260"],
        "messages-thinking": ["AN210", "AN260"],
        "messages-malformed-request": ["AN014"],
    }


def test_assert_valid_stream_takes_messages_streams() -> None:
    from validator.pytest_plugin import StreamValidationError, assert_valid_stream

    good = MessageBuilder("plugin").start().text(["Hi"]).finish().events
    assert_valid_stream([e.data for e in good])
    assert_valid_stream(CORPUS / "anthropic" / "text.sse")
    with pytest.raises(StreamValidationError, match="AN208"):
        assert_valid_stream((CORPUS / "rules" / "AN208" / "bad.sse").read_bytes())
