"""Rebuild docs/detection-matrix.md: which mutation operators the validator catches, and by what.

Every operator of :mod:`validator.tools.mutate.operators` is applied (with a few seeds) to every
valid transcript we own (corpus/seeds, corpus/streams) and, when present, to every capture of the
shared corpus judged VALID. Each mutant is checked and classified: detected by its expected rule at
its expected line, detected elsewhere (failed, but by another rule or at another line), or missed.

    python tools/detection_matrix.py [--seeds 3] [--no-shared] [--out docs/detection-matrix.md]

The helpers here are shared with tests/test_mutation_detection.py and tools/sdk_oracle.py.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from validator.tools.mutate import operators as mutate  # noqa: E402

if TYPE_CHECKING:
    from validator.engine import CheckOptions
    from validator.model.findings import Finding

CORPUS = ROOT / "corpus"
SHARED_CORPUS = (
    Path(os.environ.get("RESPONSES_VALIDATOR_SHARED", ROOT.parent / "shared")).resolve() / "corpus"
)
#: Seeds without a sidecar that are known to be valid (the others are deliberately broken).
VALID_SEEDS = ("004_",)
MUTABLE = (".sse", ".jsonl")
SIDECAR = ".expected.json"
DOC = ROOT / "docs" / "detection-matrix.md"


@dataclass(frozen=True)
class Base:
    """A valid transcript to mutate, with the options it is valid under."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    shared: bool = False

    @property
    def profile(self) -> str:
        return str(self.options.get("profile", "openai"))

    @property
    def id(self) -> str:
        return ("shared/" if self.shared else "") + self.path.name


def _sidecar(path: Path) -> dict[str, Any] | None:
    side = path.with_name(path.name + SIDECAR)
    if not side.is_file():
        side = path.with_suffix(SIDECAR)
    return json.loads(side.read_text(encoding="utf-8")) if side.is_file() else None


def own_bases() -> list[Base]:
    """Our valid transcripts: seeds known valid, and streams whose sidecar lists no findings."""
    bases: list[Base] = []
    for directory in (CORPUS / "seeds", CORPUS / "streams"):
        for path in sorted(directory.glob("*")) if directory.is_dir() else []:
            if path.suffix not in MUTABLE:
                continue
            side = _sidecar(path)
            if side is None:
                ok = path.parent.name == "seeds" and path.name.startswith(VALID_SEEDS)
            else:
                ok = not side.get("findings")
            if ok:
                bases.append(Base(path, dict((side or {}).get("options") or {})))
    return bases


def shared_bases(corpus: Path = SHARED_CORPUS) -> list[Base]:
    """Third-party captures judged VALID in INDEX.tsv (read in place, never copied).

    Captures whose corpus/real sidecar lists errors are left out (050, whose xAI tool type
    `x_search` is not in the openai schema).
    """
    index = corpus / "INDEX.tsv"
    if not index.is_file():
        return []
    bases: list[Base] = []
    with index.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = corpus / row["file"]
            if not (row["judgment"].startswith("VALID") and path.suffix in MUTABLE and path.is_file()):
                continue
            side = _sidecar(CORPUS / "real" / row["file"]) or {}
            # Our own sidecar may overrule a "VALID?" judgment: such a capture has no clean baseline.
            if not any(f.get("severity", "error") == "error" for f in side.get("findings") or []):
                bases.append(Base(path, dict(side.get("options") or {}), shared=True))
    return bases


@cache
def _parsed(path: Path) -> tuple[str, mutate.Transcript]:
    text = path.read_bytes().decode("utf-8")
    return text, mutate.parse(text, name=path.name)


def mutants(
    base: Base, ops: Iterable[str] | None = None, seeds: Iterable[int] = (0,)
) -> Iterator[mutate.Mutant]:
    """Mutants of ``base``; one operator may hit the same target from two seeds (deduplicated)."""
    text, t = _parsed(base.path)
    seen: set[str] = set()
    for seed in seeds:
        for m in mutate.generate(text, base.path.name, ops, seed, profile=base.profile, transcript=t):
            if m.text not in seen:
                seen.add(m.text)
                yield m


def options_for(base: Base, expected: dict[str, Any]) -> CheckOptions:
    from validator.engine import CheckOptions  # the engine is only needed once checking starts

    opts = {k: v for k, v in base.options.items() if k in ("strict", "resumed", "fragment", "input_format")}
    return CheckOptions(profile=expected["profile"], **opts)


def check_mutant(base: Base, mutant: mutate.Mutant, directory: Path) -> list[Finding]:
    """Write the mutant and its sidecar into ``directory`` and check the file as a user would."""
    path = directory / mutant.name
    path.write_bytes(mutant.text.encode("utf-8"))
    mutate.sidecar_path(path).write_text(json.dumps(mutant.expected, indent=2) + "\n", encoding="utf-8")
    from validator.engine import check_file

    result = check_file(path, options_for(base, mutant.expected))
    assert result.error is None, result.error
    return result.findings


def check_base(base: Base) -> list[Finding]:
    from validator.engine import check_file

    return check_file(base.path, options_for(base, {"profile": base.profile})).findings


# ---------------------------------------------------------------------------- the matrix


@dataclass
class Row:
    rules: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    instead: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)


def build(bases: list[Base], seeds: Iterable[int]) -> dict[str, Row]:
    rows: dict[str, Row] = {name: Row() for name in mutate.OPERATORS}
    seeds = list(seeds)
    with tempfile.TemporaryDirectory() as tmp:
        for base in bases:
            for m in mutants(base, seeds=seeds):
                row = rows[m.expected["operator"]]
                verdict, what = mutate.judge(check_mutant(base, m, Path(tmp)), m.expected)
                row.rules[m.expected["rule"]] += 1
                row.verdicts[verdict] += 1
                if verdict == mutate.ELSEWHERE:
                    rule = what.split("@")[0]
                    row.instead[f"{rule} at another line" if rule == m.expected["rule"] else rule] += 1
                elif verdict == mutate.MISSED:
                    row.missed.append(f"{base.id} s{m.expected['seed']}")
    return rows


def _rules_cell(c: Counter[str]) -> str:
    return ", ".join(f"{r} ({n})" if len(c) > 1 else r for r, n in sorted(c.items()))


def render(rows: dict[str, Row], bases: list[Base], seeds: list[int]) -> str:
    total = Counter[str]()
    for row in rows.values():
        total.update(row.verdicts)
    generated = sum(total.values())
    shared = sum(b.shared for b in bases)
    lines = [
        "# Detection matrix",
        "",
        "Generated by `python tools/detection_matrix.py`; do not edit by hand.",
        f"Last run: {datetime.date.today().isoformat()}.",
        "",
        f"Every operator of `responses-validator mutate` (see [MUTATE.md](MUTATE.md)) applied with seeds "
        f"{', '.join(map(str, seeds))} to {len(bases)} valid transcripts ({len(bases) - shared} of ours, "
        f"{shared} third-party captures judged VALID). Each mutant has one defect and names the rule that "
        "must report it and the line where it must be reported.",
        "",
        "* **detected**: the expected rule, at the expected line, as an error;",
        "* **elsewhere**: the mutant fails, but by another rule or at another line (the rules that fired "
        "are listed);",
        "* **missed**: no error at all.",
        "",
        f"Totals: {generated} mutants, {total[mutate.DETECTED]} detected, "
        f"{total[mutate.ELSEWHERE]} elsewhere, {total[mutate.MISSED]} missed.",
        "",
        "| operator | expected rule | mutants | detected | elsewhere | missed | fired instead |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    for name, row in rows.items():
        v = row.verdicts
        instead = ", ".join(f"{r} ({n})" for r, n in row.instead.most_common(4))
        lines.append(
            f"| `{name}` | {_rules_cell(row.rules) or mutate.OPERATORS[name].rule} | {sum(v.values())} | "
            f"{v[mutate.DETECTED]} | {v[mutate.ELSEWHERE]} | {v[mutate.MISSED]} | {instead} |"
        )
    by_rule: dict[str, list[str]] = defaultdict(list)
    for name, row in rows.items():
        for rule in row.rules:
            by_rule[rule].append(f"`{name}`")
    lines += ["", "## By rule", "", "| rule | operators whose mutants it must catch |", "|---|---|"]
    lines += [f"| {rule} | {', '.join(ops)} |" for rule, ops in sorted(by_rule.items())]
    missed = [(name, row.missed) for name, row in rows.items() if row.missed]
    if missed:
        lines += ["", "## Missed mutants", ""]
        for name, which in missed:
            lines.append(f"* `{name}`: {', '.join(which[:8])}{' …' if len(which) > 8 else ''}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per operator and file")
    parser.add_argument("--no-shared", action="store_true", help="only our own transcripts")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    bases = own_bases() + ([] if args.no_shared else shared_bases())
    seeds = list(range(args.seeds))
    rows = build(bases, seeds)
    args.out.write_text(render(rows, bases, seeds), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
