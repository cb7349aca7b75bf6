"""The conformance corpus: every transcript gives exactly the findings its sidecar lists.

Sidecars (``<name>.expected.json``) live next to our own transcripts (corpus/seeds,
corpus/streams) and, for third-party captures, in corpus/real (the captures themselves stay in
the shared corpus and are never copied in). ``python tools/update_expected.py`` rewrites the
findings from the implementation for review.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import CAPTURE_DIRS, CORPUS, ROOT, needs_shared

from validator.catalog import RULES
from validator.engine import CheckOptions, FileResult, check_file
from validator.model.findings import Severity

SUFFIX = ".expected.json"
TRANSCRIPT_EXTENSIONS = (".sse", ".jsonl", ".json", ".txt", ".ndjson", ".eventstream")
#: Our own transcripts, next to their sidecars.
OWN_DIRS = ("seeds", "streams", "anthropic", "websocket", "codex", "implementers", "masking")


def _sidecars() -> list[Path]:
    paths = [p for d in OWN_DIRS for p in sorted((CORPUS / d).glob(f"*{SUFFIX}"))]
    paths += [p for d in CAPTURE_DIRS for p in sorted((CORPUS / d).rglob(f"*{SUFFIX}"))]
    return paths


def _shared_dir(sidecar: Path) -> Path:
    """The shared corpus the capture of a sidecar under corpus/<folder>/ lives in."""
    return CAPTURE_DIRS[sidecar.relative_to(CORPUS).parts[0]]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _transcript(path: Path, data: dict[str, Any]) -> Path:
    if "capture" in data:
        return _shared_dir(path) / data["capture"]
    if "transcript" in data:
        return path.parent / data["transcript"]
    stem = path.name[: -len(SUFFIX)]
    found = [
        path.parent / (stem + ext) for ext in TRANSCRIPT_EXTENSIONS if (path.parent / (stem + ext)).is_file()
    ]
    assert len(found) == 1, f"{path}: expected one transcript {stem}.<ext>, found {found}"
    return found[0]


def _options(data: dict[str, Any]) -> CheckOptions:
    return CheckOptions.from_json(data.get("options"))


def _params() -> list[Any]:
    params = []
    for path in _sidecars():
        data = _load(path)
        marks = [needs_shared] if "capture" in data else []
        params.append(pytest.param(path, id=path.relative_to(CORPUS).as_posix(), marks=marks))
    return params


def _difference(expected: Counter[tuple[str, int]], result: FileResult, data: dict[str, Any]) -> str:
    """A readable account of missing and unexpected findings, with messages."""
    actual = Counter((f.rule, f.line) for f in result.findings)
    lines = []
    for (rule, line), n in sorted((expected - actual).items(), key=lambda x: (x[0][1], x[0][0])):
        known = RULES.get(rule)
        why = f"{known.name}: {known.message}" if known else "unknown rule id"
        lines += [f"  missing    {rule} line {line} ({why})"] * n
    for (rule, line), n in sorted((actual - expected).items(), key=lambda x: (x[0][1], x[0][0])):
        messages = [f.message for f in result.findings if (f.rule, f.line) == (rule, line)]
        lines += [f"  unexpected {rule} line {line}: {messages[0]}"] * n
    notes = data.get("notes") or []
    hint = "\n  notes: " + "\n         ".join(notes) if notes else ""
    return (
        "findings differ from the sidecar (python tools/update_expected.py to review):\n"
        + "\n".join(lines)
        + hint
    )


@pytest.mark.parametrize("sidecar", _params())
def test_transcript_gives_exactly_the_expected_findings(sidecar: Path) -> None:
    data = _load(sidecar)
    transcript = _transcript(sidecar, data)
    result = check_file(transcript, _options(data))
    assert result.error is None, f"{transcript} could not be read: {result.error}"
    expected = Counter((f["rule"], int(f["line"])) for f in data["findings"])
    actual = Counter((f.rule, f.line) for f in result.findings)
    assert actual == expected, _difference(expected, result, data)
    # Where a sidecar pins a grouped finding's repeats (tools/update_expected.py writes them), the
    # finding repeats on exactly those lines.
    found = {(f.rule, f.line): [r.line for r in f.related] for f in result.findings}
    for entry in data["findings"]:
        if "repeats" in entry:
            assert found.get((entry["rule"], entry["line"])) == entry["repeats"], entry
    # Where it pins a severity (a condition rated per profile), the finding has exactly it.
    rated = {(f.rule, f.line): f.severity.value for f in result.findings}
    for entry in data["findings"]:
        if "severity" in entry:
            assert rated.get((entry["rule"], entry["line"])) == entry["severity"], entry


@pytest.mark.parametrize("sidecar", _params())
def test_sidecar_is_well_formed(sidecar: Path) -> None:
    data = _load(sidecar)
    _options(data)  # unknown option names or values raise here
    assert isinstance(data.get("findings"), list)
    for finding in data["findings"]:
        assert finding["rule"] in RULES, f"unknown rule {finding['rule']}"
        assert isinstance(finding["line"], int) and finding["line"] >= 1
    assert isinstance(data.get("provenance"), dict), "every sidecar says where its transcript comes from"
    if "capture" in data:
        for key in ("judgment", "notes"):
            assert key in data, f"capture sidecars carry {key!r}"
        if data["findings"]:
            assert data["notes"], "every expected finding on a real capture is explained in notes"


def _index(shared: Path) -> dict[str, dict[str, str]]:
    with (shared / "INDEX.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _captures(shared: Path) -> list[str]:
    skip = {"INDEX.tsv", "NOTES.md"}
    return sorted(
        p.relative_to(shared).as_posix()
        for p in shared.rglob("*")
        if p.is_file() and p.name not in skip and not p.name.startswith(".")
    )


#: (our sidecar folder, the shared corpus), one test case each.
_CAPTURE_SETS = [pytest.param(CORPUS / name, shared, id=name) for name, shared in CAPTURE_DIRS.items()]


@needs_shared
@pytest.mark.parametrize(("real", "shared"), _CAPTURE_SETS)
def test_every_capture_has_a_sidecar(real: Path, shared: Path) -> None:
    missing = [c for c in _captures(shared) if not (real / f"{c}{SUFFIX}").is_file()]
    assert not missing, f"captures without a sidecar in {real}: {missing}"
    orphans = [
        p.relative_to(real).as_posix()
        for p in real.rglob(f"*{SUFFIX}")
        if not (shared / _load(p)["capture"]).is_file()
    ]
    assert not orphans, f"sidecars whose capture does not exist: {orphans}"


@needs_shared
@pytest.mark.parametrize(("real", "shared"), _CAPTURE_SETS)
def test_capture_sidecars_name_their_capture_and_copy_the_index(real: Path, shared: Path) -> None:
    index = _index(shared)
    for path in sorted(real.rglob(f"*{SUFFIX}")):
        data = _load(path)
        capture = data["capture"]
        assert path.relative_to(real).as_posix() == capture + SUFFIX
        row = index.get(capture)
        if row is None:
            # litellm/ captures are described in NOTES.md, not INDEX.tsv; Bedrock's raw
            # .eventstream bodies share the row of their decoded .jsonl.
            row = (
                index.get(str(Path(capture).with_suffix(".jsonl")))
                if capture.endswith(".eventstream")
                else None
            )
        if row is None:
            continue
        assert data["judgment"] == row["judgment"], f"{capture}: judgment differs from INDEX.tsv"
        for key in ("source_repo", "source_path", "commit", "producer"):
            # corpus-anthropic's INDEX.tsv names the commit column commit_or_url.
            column = key if key in row else f"{key}_or_url"
            assert data["provenance"].get(key) == row[column], (
                f"{capture}: provenance {key} differs from INDEX.tsv"
            )
        if (real.name == "real-anthropic" and row["judgment"] == "FRAGMENT") or (
            real.name == "real" and Path(capture).name.split("_")[0] in {"065", "066", "067", "068", "069"}
        ):
            assert data["options"].get("fragment") is True, (
                f"{capture}: fragments are checked with fragment=true"
            )


def _severity(finding: dict[str, Any], profile: str) -> Severity | None:
    if "severity" in finding:
        return Severity(finding["severity"])
    return RULES[finding["rule"]].severity_in(profile)


@needs_shared
@pytest.mark.parametrize(("real", "shared"), _CAPTURE_SETS)
def test_valid_captures_expect_no_errors(real: Path, shared: Path) -> None:
    offenders = []
    for path in sorted(real.rglob(f"*{SUFFIX}")):
        data = _load(path)
        # INDEX.tsv's labels come from a heuristic pre-screen that never checked the response schema;
        # where our review disagrees, the sidecar says so in "review" with the reason.
        review = data.get("review")
        if review is not None:
            assert review.get("judgment") and review.get("reason"), f"{data['capture']}: review needs both"
        judgment = review["judgment"] if review else data["judgment"]
        if not judgment.startswith("VALID"):
            continue
        profile = (data.get("options") or {}).get("profile") or _options(data).for_protocol(
            "anthropic" if real.name == "real-anthropic" else "responses"
        ).profile
        errors = [f for f in data["findings"] if _severity(f, profile) is Severity.ERROR]
        if errors:
            offenders.append(f"{data['capture']}: {[(f['rule'], f['line']) for f in errors]}")
        if data["findings"]:
            assert data["notes"], f"{data['capture']}: warnings on a VALID capture need a note"
    assert not offenders, "VALID captures whose sidecar expects error findings:\n" + "\n".join(offenders)


def test_streams_are_up_to_date_with_their_generator() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_streams.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
