"""Mutation testing for Chat Completions: every chat operator's mutant is reported by its rule at its line.

The operators of ``validator.tools.mutate.chat`` are applied, with two seeds, to every valid chat
transcript we own (corpus/streams/chat) and to every shared capture judged VALID; each mutant must
get its expected rule, as an error, at its expected line, and the originals no error at all.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SHARED
from validator.engine import CheckOptions, check_bytes
from validator.model.findings import Severity
from validator.tools.mutate.operators import OPERATOR_TABLES, generate, judge

CHAT_OPERATORS = OPERATOR_TABLES["chat"]

SEEDS = (0, 1)
CAPTURES = SHARED / "corpus-chat"


def _bases() -> list[Path]:
    own = sorted(p for p in (CORPUS / "streams" / "chat").iterdir() if p.suffix in (".sse", ".jsonl"))
    if not (CAPTURES / "INDEX.tsv").is_file():
        return own
    with (CAPTURES / "INDEX.tsv").open(encoding="utf-8") as fh:
        valid = [row["file"] for row in csv.DictReader(fh, delimiter="\t") if row["judgment"] == "VALID"]
    return own + [CAPTURES / name for name in valid]


BASES = _bases()
OPTIONS = CheckOptions(protocol="chat")


def _check(text: str, name: str) -> list:
    return check_bytes(text.encode("utf-8"), name, OPTIONS).findings


@pytest.mark.parametrize("base", BASES, ids=lambda p: p.name)
def test_original_has_no_error(base: Path) -> None:
    findings = _check(base.read_text(encoding="utf-8"), base.name)
    assert [f for f in findings if f.severity is Severity.ERROR] == []


@pytest.mark.parametrize("op", list(CHAT_OPERATORS))
def test_every_mutant_is_detected_at_its_line(op: str) -> None:
    failures, mutants = [], 0
    for base in BASES:
        text = base.read_text(encoding="utf-8")
        for seed in SEEDS:
            for mutant in generate(text, base.name, [op], seed, profile="chat", protocol="chat"):
                mutants += 1
                verdict, what = judge(_check(mutant.text, mutant.name), mutant.expected)
                if verdict != "detected":
                    e = mutant.expected
                    failures.append(f"{mutant.name}: expected {e['rule']}@{e['line']}; {verdict} {what}")
    assert mutants, f"{op} found no target in {len(BASES)} bases"
    assert failures == []
