"""Every rule's examples run as tests: ``bad`` gives exactly its sidecar, ``good`` gives nothing.

``corpus/rules/RSPnnn/`` holds ``bad.<ext>``, ``good.<ext>`` and ``bad.expected.json``:
``{"options": {CheckOptions fields}, "findings": [{"rule", "line"}, ...]}``. The transcript is
``sse``, ``jsonl`` or ``json`` (a stream, or a WebSocket session with ``input_format:
"websocket"``), or ``yaml`` / ``har`` (a cassette or HAR file). Findings compare as a multiset of
(rule, line), so rewording a message never churns a sidecar. The good example is checked under
the same options as the bad one.

A rule may have further bad examples, each a case or profile of its own: ``bad-<name>.<ext>`` with
``bad-<name>.expected.json``, whose findings may also give the ``severity`` they must have; the
good example is clean under their options too.

A rule only the live probe raises (RSP260) has ``"probe": {"scenario": name}`` in its sidecar:
its ``bad``/``good`` are the bodies that scenario is answered with, and the test runs
``validator.tools.probe.command`` against the local replay server
(``validator.tools.probe.replay``) serving them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, ROOT

from validator.engine import CheckOptions, FileResult, check_file
from validator.tools.probe.command import run_probe
from validator.tools.probe.replay import ReplayServer, Reply
from validator.tools.probe.run import TARGETS

RULE_DIR = CORPUS / "rules"
EXAMPLE_EXTS = ("sse", "jsonl", "json", "yaml", "har", "eventstream")
SIDECAR_KEYS = {"options", "findings", "probe"}


def example_dirs() -> list[Path]:
    return sorted(p for p in RULE_DIR.iterdir() if p.is_dir()) if RULE_DIR.is_dir() else []


def example_file(directory: Path, kind: str) -> Path:
    """``bad.sse`` / ``good.jsonl`` / ...: the one transcript of that kind in the directory."""
    found = [directory / f"{kind}.{ext}" for ext in EXAMPLE_EXTS if (directory / f"{kind}.{ext}").is_file()]
    assert len(found) == 1, (
        f"{directory.name}: expected exactly one {kind}.{{{','.join(EXAMPLE_EXTS)}}}, found {found}"
    )
    return found[0]


def load_sidecar(directory: Path) -> dict[str, Any]:
    sidecar = json.loads((directory / "bad.expected.json").read_text(encoding="utf-8"))
    assert set(sidecar) <= SIDECAR_KEYS, f"{directory.name}: unknown sidecar keys {set(sidecar)}"
    return sidecar


def options_of(sidecar: dict[str, Any]) -> CheckOptions:
    return CheckOptions.from_json(sidecar.get("options"))


def run_example(path: Path, sidecar: dict[str, Any], options: CheckOptions) -> FileResult:
    """Check an example the way its rule is raised: as a file, or as a probe scenario's answer."""
    probe = sidecar.get("probe")
    if probe is None:
        return check_file(path, options)
    scenario = probe["scenario"]
    # The replay server answers the scenario with the example body, as a live endpoint would.
    with ReplayServer({scenario: Reply.sse(path.read_bytes())}) as server:
        (result,) = run_probe(server.url, [scenario], options=options, timeout=10.0)
    return result


def show(result: FileResult) -> str:
    lines = [f"  {f.rule} line {f.line} [{f.severity.value}] {f.message}" for f in result.findings]
    if result.error:
        lines.append(f"  (input error: {result.error})")
    return "\n".join(lines) or "  (none)"


DIRS = example_dirs()
IDS = [d.name for d in DIRS]


def test_examples_exist() -> None:
    # Guards against a silently empty parametrization (wrong path, missing checkout).
    assert DIRS, f"no rule examples under {RULE_DIR}"


@pytest.mark.parametrize("directory", DIRS, ids=IDS)
def test_bad_example(directory: Path) -> None:
    sidecar = load_sidecar(directory)
    path = example_file(directory, "bad")
    result = run_example(path, sidecar, options_of(sidecar))
    assert result.error is None, f"{path}: {result.error}"
    expected = Counter((f["rule"], f["line"]) for f in sidecar["findings"])
    actual = Counter((f.rule, f.line) for f in result.findings)
    assert actual == expected, (
        f"{path} (options {sidecar.get('options', {})})\n"
        f"expected (rule, line): {sorted(expected.elements())}\n"
        f"actual:\n{show(result)}\n"
        f"missing: {sorted((expected - actual).elements())}\n"
        f"unexpected: {sorted((actual - expected).elements())}"
    )


VARIANTS = sorted(RULE_DIR.glob("*/bad-*.expected.json")) if RULE_DIR.is_dir() else []


@pytest.mark.parametrize("sidecar_path", VARIANTS, ids=[f"{p.parent.name}/{p.name}" for p in VARIANTS])
def test_variant_bad_example(sidecar_path: Path) -> None:
    directory, kind = sidecar_path.parent, sidecar_path.name[: -len(".expected.json")]
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    assert set(sidecar) <= SIDECAR_KEYS, f"{sidecar_path}: unknown sidecar keys {set(sidecar)}"
    assert directory.name in {f["rule"] for f in sidecar["findings"]}, f"{sidecar_path} misses its rule"
    path = example_file(directory, kind)
    result = run_example(path, sidecar, options_of(sidecar))
    expected = Counter((f["rule"], f["line"], f.get("severity")) for f in sidecar["findings"])
    actual = Counter(
        (f.rule, f.line, f.severity.value if any("severity" in e for e in sidecar["findings"]) else None)
        for f in result.findings
    )
    assert actual == expected, f"{path} (options {sidecar['options']})\nactual:\n{show(result)}"
    good = run_example(example_file(directory, "good"), sidecar, options_of(sidecar))
    assert not good.findings, f"good example under {path.name}'s options:\n{show(good)}"


def test_the_codex_case_of_rsp235_is_an_error_in_its_profile_only() -> None:
    # The variant is the case, the main example the generic interleaving: a warning everywhere.
    codex = RULE_DIR / "RSP235" / "bad-codex.sse"
    for profile, severity in (("codex", "error"), ("openai", "warning")):
        (found,) = check_file(codex, CheckOptions(profile=profile)).findings
        assert (found.rule, found.severity.value) == ("RSP235", severity)
    (generic,) = check_file(RULE_DIR / "RSP235" / "bad.sse", CheckOptions(profile="codex")).findings
    assert generic.severity.value == "warning"


@pytest.mark.parametrize("directory", DIRS, ids=IDS)
def test_bad_example_names_its_rule(directory: Path) -> None:
    # The example teaches its rule: that rule must be among what the bad example produces.
    sidecar = load_sidecar(directory)
    assert directory.name in {f["rule"] for f in sidecar["findings"]}, (
        f"{directory.name}/bad.expected.json does not list {directory.name}"
    )


@pytest.mark.parametrize("directory", DIRS, ids=IDS)
def test_good_example(directory: Path) -> None:
    sidecar = load_sidecar(directory)
    path = example_file(directory, "good")
    result = run_example(path, sidecar, options_of(sidecar))
    assert result.error is None, f"{path}: {result.error}"
    assert not result.findings, (
        f"{path} (options {sidecar.get('options', {})}) should give no findings, got:\n{show(result)}"
    )


@pytest.mark.parametrize("directory", DIRS, ids=IDS)
def test_good_example_is_clean_when_strict(directory: Path) -> None:
    # The good examples model the newest wire, so they also satisfy the spec-exact (strict) schemas.
    sidecar = load_sidecar(directory)
    options = {**sidecar.get("options", {}), "strict": True}
    path = example_file(directory, "good")
    result = run_example(path, sidecar, options_of({"options": options}))
    assert not result.findings, f"{path} with strict=True should give no findings, got:\n{show(result)}"


PROBE_DIRS = [d for d in DIRS if "probe" in load_sidecar(d)]


@pytest.mark.parametrize("directory", PROBE_DIRS, ids=[d.name for d in PROBE_DIRS])
def test_probe_example_bodies_are_valid_streams(directory: Path) -> None:
    # A probe rule is about the answer to a request, not the stream's form: both bodies are
    # conforming streams, and only the scenario's expectation tells them apart.
    sidecar = load_sidecar(directory)
    assert any(sidecar["probe"]["scenario"] in t.scenarios for t in TARGETS.values())
    for kind in ("bad", "good"):
        path = example_file(directory, kind)
        result = check_file(path, options_of(sidecar))
        assert (result.error, result.findings) == (None, []), f"{path}:\n{show(result)}"


def test_examples_match_their_generator() -> None:
    # The examples of every protocol are generated by one tool; a hand edit (or a generator change
    # not re-run) shows up here.
    generator = ROOT / "tools" / "make_rule_examples.py"
    proc = subprocess.run(
        [sys.executable, str(generator), "--check"], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"{generator.name} --check failed:\n{proc.stdout}{proc.stderr}"


def test_the_generator_covers_every_rule_of_every_protocol() -> None:
    from tools.rule_examples import EXAMPLES, FORMATS
    from validator.catalog import PROTOCOL_PROFILES, RULES

    assert set(FORMATS) == set(PROTOCOL_PROFILES)
    assert set(EXAMPLES) == set(RULES), sorted(set(RULES) ^ set(EXAMPLES))
    assert {d.name for d in DIRS} == set(RULES)


def test_the_generator_writes_one_protocol_and_flags_a_changed_file(tmp_path: Path) -> None:
    generator = [sys.executable, str(ROOT / "tools" / "make_rule_examples.py"), "--out", str(tmp_path)]
    run = subprocess.run([*generator, "--protocol", "chat"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert {p.name[:2] for p in tmp_path.iterdir()} == {"CH"}
    for path in (tmp_path / "CH210").iterdir():
        assert path.read_bytes() == (RULE_DIR / "CH210" / path.name).read_bytes()
    (tmp_path / "CH210" / "good.sse").write_bytes(b"edited\n")
    stale = subprocess.run([*generator, "--protocol", "chat", "--check"], capture_output=True, text=True)
    assert stale.returncode == 1 and "CH210/good.sse" in stale.stderr
    unknown = subprocess.run([*generator, "XX999"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "no example for XX999" in unknown.stderr
