"""Rewrite the ``findings`` of every corpus sidecar from the current implementation, for review.

A sidecar ``<name>.expected.json`` states what the validator must report for one transcript:
``{"options": {...}, "findings": [{"rule": ..., "line": ...}, ...], ...}``. This tool runs the
validator on each transcript and replaces only ``findings``; options, provenance, judgment and
notes are kept. It prints what changed, so a reviewer sees every finding that appeared or vanished.

    python tools/update_expected.py            # rewrite seeds, streams and real captures
    python tools/update_expected.py --check    # only report; exit 1 when anything would change
    python tools/update_expected.py --rules    # also corpus/rules/*/bad.expected.json

Transcripts: ``"transcript"`` (relative to the sidecar), ``"capture"`` (relative to the shared
corpus, see RESPONSES_VALIDATOR_SHARED), or else the file next to the sidecar with the same stem.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = Path(os.environ.get("RESPONSES_VALIDATOR_SHARED", ROOT.parent / "shared")).resolve()
SHARED_CORPUS = SHARED / "corpus"
#: Our sidecar folder for each shared corpus -> where its captures are.
CAPTURE_DIRS = {
    "real": SHARED_CORPUS,
    "real-chat": SHARED / "corpus-chat",
    "real-anthropic": SHARED / "corpus-anthropic",
}
#: Our own transcripts, next to their sidecars (websocket, codex and implementers are written by
#: tools/build_protocol_corpus.py, which also checks that each shows the rules it was built for;
#: masking by tools/make_masking_examples.py).
OWN_DIRS = ("seeds", "streams", "streams/chat", "anthropic", "websocket", "codex", "implementers", "masking")
SUFFIX = ".expected.json"
TRANSCRIPT_EXTENSIONS = (".sse", ".jsonl", ".json", ".txt", ".ndjson", ".yaml", ".har", ".eventstream")
#: Keys written for each finding unless the sidecar's entries already use another set.
DEFAULT_KEYS = ("rule", "line", "severity")
KNOWN_KEYS = ("rule", "line", "column", "severity", "message")
#: Written only for a grouped finding: the lines of its repeats (``Finding.related``).
REPEATS = "repeats"


@dataclass(frozen=True)
class Sidecar:
    path: Path
    data: dict[str, Any]

    @property
    def label(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def needs_shared(self) -> bool:
        return "capture" in self.data

    @property
    def shared(self) -> Path:
        """The shared corpus this sidecar's capture is in (by its folder under corpus/)."""
        return CAPTURE_DIRS.get(self.path.relative_to(CORPUS).parts[0], SHARED_CORPUS)

    def transcript(self, shared: Path | None = None) -> Path:
        if "capture" in self.data:
            return (shared or self.shared) / self.data["capture"]
        if "transcript" in self.data:
            return self.path.parent / self.data["transcript"]
        stem = self.path.name[: -len(SUFFIX)]
        matches = [self.path.parent / (stem + ext) for ext in TRANSCRIPT_EXTENSIONS]
        matches = [p for p in matches if p.is_file()]
        if len(matches) != 1:
            raise FileNotFoundError(
                f"{self.label}: expected one transcript named {stem}.<ext>, found {len(matches)}"
            )
        return matches[0]

    def options(self) -> Any:
        from validator.engine import CheckOptions

        return CheckOptions.from_json(self.data.get("options"))

    def expected(self) -> Counter[tuple[str, int]]:
        return Counter((f["rule"], int(f["line"])) for f in self.data.get("findings", []))


def load(path: Path) -> Sidecar:
    return Sidecar(path, json.loads(path.read_text(encoding="utf-8")))


def discover(rules: bool = False, root: Path = CORPUS) -> list[Sidecar]:
    """Every sidecar, in a stable order (seeds, streams, real, masking, then rule examples if asked)."""
    paths: list[Path] = []
    for own in OWN_DIRS:
        paths += sorted((root / own).glob(f"*{SUFFIX}"))
    for real in CAPTURE_DIRS:
        paths += sorted((root / real).rglob(f"*{SUFFIX}"))
    if rules:
        paths += sorted((root / "rules").glob(f"*/bad{SUFFIX}"))
    sidecars = [load(p) for p in paths]
    # Probe-only examples are judged by a live probe run (tests/test_rule_examples.py), not by
    # check_file: rewriting them from check_file would erase their findings.
    return [s for s in sidecars if "probe" not in s.data]


def run(sidecar: Sidecar, shared: Path | None = None) -> Any:
    """The engine's FileResult for the sidecar's transcript and options."""
    from validator.engine import check_file

    return check_file(sidecar.transcript(shared), sidecar.options())


def entries(findings: Iterable[Any], keys: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        values = {
            "rule": f.rule,
            "line": f.line,
            "column": f.column,
            "severity": f.severity.value,
            "message": f.message,
        }
        entry = {k: values[k] for k in keys}
        if f.related:
            # A grouped finding (identical schema findings on several events): where it repeats.
            entry["repeats"] = [r.line for r in f.related]
        out.append(entry)
    return sorted(out, key=lambda e: (e["line"], e["rule"]))


def _keys(existing: list[dict[str, Any]]) -> tuple[str, ...]:
    used = {k for e in existing for k in e} - {REPEATS}
    if not existing or not used <= set(KNOWN_KEYS):
        return DEFAULT_KEYS
    return tuple(k for k in KNOWN_KEYS if k in used)


def describe(counter: Counter[tuple[str, int]]) -> list[str]:
    return [
        f"{rule} line {line}"
        for (rule, line), n in sorted(counter.items(), key=lambda x: (x[0][1], x[0][0]))
        for _ in range(n)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 when a sidecar would change"
    )
    parser.add_argument("--rules", action="store_true", help="also rewrite corpus/rules/*/bad.expected.json")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    changed = 0
    for sidecar in discover(rules=args.rules):
        if sidecar.needs_shared and not sidecar.shared.is_dir():
            print(f"skip {sidecar.label}: shared corpus not found at {sidecar.shared}")
            continue
        result = run(sidecar)
        if result.error:
            print(f"ERROR {sidecar.label}: {result.error}")
            changed += 1
            continue
        actual = Counter((f.rule, f.line) for f in result.findings)
        expected = sidecar.expected()
        old = sidecar.data.get("findings", [])
        new = entries(result.findings, _keys(old))
        if actual == expected and new == old:
            continue
        changed += 1
        print(f"{'would update' if args.check else 'updated'} {sidecar.label}")
        for line in describe(expected - actual):
            print(f"  - {line}")
        extra = actual - expected
        for f in result.findings:
            if extra[(f.rule, f.line)] > 0:
                extra[(f.rule, f.line)] -= 1
                print(f"  + {f.rule} line {f.line}: {f.message}")
        if not args.check:
            data = dict(sidecar.data)
            data["findings"] = new
            sidecar.path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{changed} sidecar(s) {'differ' if args.check else 'changed'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
