"""Bad input never produces a traceback: findings or one clear line, the right exit code,
and the input file untouched. Covers the whole pipeline, through the CLI in a subprocess and
through the library with arbitrary bytes and arbitrary event values."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SEEDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import CheckOptions, check_bytes, check_events
from validator.model.findings import Severity

CLEAN = (SEEDS / "004_75bce7c82fd61a67.sse").read_bytes()


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "validator", "check", *args], capture_output=True, text=True, timeout=120
    )


def _deep(depth: int) -> bytes:
    return b"data: " + b"[" * depth + b"]" * depth + b"\n\n"


BAD_INPUTS: dict[str, bytes] = {
    "empty": b"",
    "binary-garbage": bytes(range(256)) * 64,
    "invalid-utf8": CLEAN.replace(b"hey", b"h\xffy"),
    "ten-mb-single-line": b'data: {"type":"response.output_text.delta","delta":"'
    + b"x" * 10_000_000
    + b'"}\n\n',
    "nested-100000-deep": _deep(100_000),
    "truncated-mid-event": CLEAN[: len(CLEAN) // 2],
    "nul-bytes": b"\x00" * 1000,
    "jsonl-with-garbage": b'{"type":"response.created"}\nnot json\n[1,2]\n',
    "json-array-broken": b'[{"type":"response.created"},',
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_findings_not_a_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.sse"
    path.write_bytes(BAD_INPUTS[name])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = _run_cli(str(path))
    assert "Traceback" not in proc.stderr + proc.stdout
    # Every one of these is broken somehow: a finding (exit 1), never a tool failure (exit 2).
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "RSP" in proc.stdout
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_cr_only_line_ends_read_like_lf() -> None:
    lf = check_bytes(CLEAN)
    cr = check_bytes(CLEAN.replace(b"\n", b"\r"))
    assert lf.events == cr.events == 9
    assert not lf.findings and not cr.findings


def test_crlf_positions_are_exact() -> None:
    crlf = check_bytes(CLEAN.replace(b"\n", b"\r\n"))
    assert crlf.events == 9 and not crlf.findings
    broken = CLEAN.replace(b'"sequence_number":5', b'"sequence_number":7').replace(b"\n", b"\r\n")
    (finding,) = [f for f in check_bytes(broken).findings if f.rule == "RSP204"]
    raw = broken.split(b"\r\n")
    line = next(i for i, text in enumerate(raw, 1) if b'"sequence_number":7' in text)
    assert finding.line == line
    # The byte offset points at the event's JSON on that line, past every CRLF before it.
    assert broken[finding.offset : finding.offset + 1] == b"{"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/stream.sse"], "stream.sse"),
        (["--profile", "nope", "x.sse"], "profile"),
    ],
)
def test_unusable_invocations_exit_2_with_one_line(args: list[str], message: str) -> None:
    proc = _run_cli(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert message in proc.stderr


def test_directory_without_transcripts_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("nothing to check\n")
    proc = _run_cli(str(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), profile=st.sampled_from(["openai", "open-responses"]))
def test_arbitrary_bytes_never_raise(data: bytes, profile: str) -> None:
    result = check_bytes(data, options=CheckOptions(profile=profile))
    assert result.error is None
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1 and f.offset >= 0
        assert isinstance(f.severity, Severity)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_spliced_into_a_real_stream_never_raise(data: bytes) -> None:
    cut = len(data) % len(CLEAN)
    result = check_bytes(CLEAN[:cut] + data + CLEAN[cut:])
    assert result.error is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
_TYPES = st.sampled_from(
    [
        "response.created",
        "response.in_progress",
        "response.completed",
        "response.failed",
        "response.incomplete",
        "response.output_item.added",
        "response.output_item.done",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_text.delta",
        "response.output_text.done",
        "response.function_call_arguments.delta",
        "response.reasoning_summary_part.added",
        "response.shell_call_command.added",
        "response.image_generation_call.partial_image",
        "error",
        "keepalive",
    ]
)
_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "type": _TYPES | st.text(max_size=12),
        "sequence_number": st.integers(-2, 20) | _JSON,
        "output_index": st.integers(-1, 3) | _JSON,
        "content_index": st.integers(-1, 3),
        "summary_index": st.integers(-1, 3),
        "item_id": st.sampled_from(["msg_1", "fc_1", ""]) | _JSON,
        "item": st.fixed_dictionaries(
            {},
            optional={
                "id": st.sampled_from(["msg_1", "fc_1"]),
                "type": st.sampled_from(["message", "function_call", "x"]),
                "content": _JSON,
            },
        )
        | _JSON,
        "part": st.fixed_dictionaries(
            {}, optional={"type": st.sampled_from(["output_text", "refusal"]), "text": _JSON}
        ),
        "delta": st.text(max_size=5) | _JSON,
        "text": st.text(max_size=5) | _JSON,
        "response": st.fixed_dictionaries(
            {},
            optional={
                "id": st.sampled_from(["resp_1", "resp_2"]),
                "status": st.text(max_size=10),
                "output": _JSON,
                "usage": _JSON,
            },
        )
        | _JSON,
    },
)


#: Python values an API caller might pass that JSON cannot carry, or carries differently.
_PYTHON = st.recursive(
    st.binary(max_size=4) | st.sets(st.integers(), max_size=3) | st.integers(min_value=2**64) | st.none(),
    lambda children: (
        st.tuples(children, children) | st.dictionaries(st.sampled_from(["response", "item"]), children)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(_FIELDS | _JSON | _PYTHON, max_size=12),
    profile=st.sampled_from(["openai", "open-responses"]),
)
def test_arbitrary_event_values_never_raise(events: list[Any], profile: str) -> None:
    result = check_events(events, options=CheckOptions(profile=profile))
    assert result.error is None
    assert result.events == len(events)


def test_python_values_json_cannot_carry_are_findings() -> None:
    events: list[Any] = [
        {"type": "response.created", "sequence_number": 0, "response": {"id": "r", "output": [{1, 2}]}},
        {"type": "response.in_progress", "sequence_number": 1, "response": object()},
        {"type": "keepalive", "sequence_number": 2, "big": 10**30},
        ("not", "an", "object"),
    ]
    result = check_events(events)
    found = [(f.rule, f.line) for f in result.findings]
    assert ("RSP002", 1) in found and ("RSP002", 2) in found
    assert ("RSP003", 4) in found
    # A big integer is valid JSON: no finding for the keepalive.
    assert not [f for f in result.findings if f.line == 3 and f.rule in {"RSP002", "RSP103"}]
    # The end of the stream is the slot after the last event.
    assert ("RSP209", 5) in found
