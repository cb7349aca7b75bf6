"""Chat Completions against the real captures (../shared/corpus-chat), our streams and the generators.

Every capture has a sidecar in corpus/real-chat giving exactly what must be reported; the
judgments of INDEX.tsv are held to their meaning: VALID has no error, INVALID at least one,
DEVIATION warnings but no error in the ``chat`` profile and neither in ``chat-compat``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT, SHARED
from validator.engine import CheckOptions, check_file
from validator.model.findings import Severity

CHAT_CAPTURES = SHARED / "corpus-chat"
SIDECARS = sorted((CORPUS / "real-chat").glob("*.expected.json"))
STREAMS = sorted((CORPUS / "streams" / "chat").glob("*.expected.json"))

needs_chat_captures = pytest.mark.skipif(
    not CHAT_CAPTURES.is_dir(),
    reason=f"Chat Completions captures not found at {CHAT_CAPTURES} (set RESPONSES_VALIDATOR_SHARED)",
)


def _index() -> dict[str, dict[str, str]]:
    with (CHAT_CAPTURES / "INDEX.tsv").open(encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _check(path: Path, options: dict[str, object], profile: str | None = None) -> list:
    opts = dict(options)
    if profile is not None:
        opts["profile"] = profile
    result = check_file(path, CheckOptions(**opts))
    assert result.error is None, result.error
    return result.findings


def _count(findings: list, severity: Severity) -> int:
    return sum(f.severity is severity for f in findings)


@needs_chat_captures
def test_every_capture_has_a_sidecar_with_its_index_judgment() -> None:
    index = _index()
    sidecars = {json.loads(p.read_text())["capture"]: json.loads(p.read_text()) for p in SIDECARS}
    assert set(sidecars) == set(index)
    for name, side in sidecars.items():
        row = index[name]
        assert side["judgment"] == row["judgment"], name
        assert side["provenance"]["source_repo"] == row["source_repo"], name
        assert side["options"]["protocol"] == "chat"


@needs_chat_captures
@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.name.split("_")[0])
def test_capture_gives_exactly_its_sidecar(sidecar: Path) -> None:
    side = json.loads(sidecar.read_text())
    findings = _check(CHAT_CAPTURES / side["capture"], side["options"])
    got = Counter((f.rule, f.line) for f in findings)
    assert got == Counter((f["rule"], f["line"]) for f in side["findings"])
    judgment = side["judgment"]
    errors, warnings = _count(findings, Severity.ERROR), _count(findings, Severity.WARNING)
    if judgment == "VALID":
        assert errors == 0
    elif judgment == "INVALID":
        assert errors >= 1
    else:
        assert judgment == "DEVIATION"
        # Reported in the profile that judges it, and not in the one that tolerates it.
        assert errors == 0 and warnings >= 1
        compat = _check(CHAT_CAPTURES / side["capture"], side["options"], "chat-compat")
        assert _count(compat, Severity.ERROR) == 0 and _count(compat, Severity.WARNING) == 0
        assert {f.rule for f in compat} <= {f.rule for f in findings}


@needs_chat_captures
def test_invalid_captures_stay_invalid_in_the_compat_profile() -> None:
    for sidecar in SIDECARS:
        side = json.loads(sidecar.read_text())
        if side["judgment"] == "INVALID":
            findings = _check(CHAT_CAPTURES / side["capture"], side["options"], "chat-compat")
            assert _count(findings, Severity.ERROR) >= 1, sidecar.name


@needs_chat_captures
def test_chat_captures_are_recognised_without_protocol() -> None:
    for name in (
        "001_openai_refusal_usage.sse",
        "013_openai_text_jsonl.jsonl",
        "015_azure_content_filter_annotations.sse",
    ):
        auto = check_file(CHAT_CAPTURES / name)
        forced = check_file(CHAT_CAPTURES / name, CheckOptions(protocol="chat"))
        assert [(f.rule, f.line) for f in auto.findings] == [(f.rule, f.line) for f in forced.findings]


@pytest.mark.parametrize("sidecar", STREAMS, ids=lambda p: p.name)
def test_own_chat_streams_are_clean(sidecar: Path) -> None:
    side = json.loads(sidecar.read_text())
    for profile in ("chat", "chat-compat"):
        assert _check(sidecar.parent / side["transcript"], side["options"], profile) == []


@pytest.mark.parametrize(
    "tool",
    [
        "tools/gen_chat_schemas.py",
        "tools/make_rule_examples.py --protocol chat",
        "tools/build_chat_streams.py",
    ],
)
def test_generated_files_are_current(tool: str) -> None:
    script, *options = tool.split()
    args = [sys.executable, str(ROOT / script), *options, "--check"]
    if tool.endswith("gen_chat_schemas.py"):
        if not (SHARED / "spec" / "chat").is_dir():
            pytest.skip(f"the spec is not at {SHARED / 'spec'} (set RESPONSES_VALIDATOR_SHARED)")
        args += ["--spec-dir", str(SHARED / "spec")]
    run = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_assert_valid_stream_takes_chat_streams() -> None:
    from validator.pytest_plugin import StreamValidationError, assert_valid_stream

    assert assert_valid_stream(CORPUS / "streams" / "chat" / "text.sse").findings == []
    with pytest.raises(StreamValidationError, match="CH254"):
        assert_valid_stream((CORPUS / "rules" / "CH254" / "bad.sse").read_bytes())
    # Decoded chunks (the Python API) are recognised too.
    chunks = [
        json.loads(line[6:])
        for line in (CORPUS / "streams" / "chat" / "text.sse").read_text(encoding="utf-8").splitlines()
        if line.startswith("data: {")
    ]
    assert assert_valid_stream(chunks, protocol="chat", fragment=True).findings == []
