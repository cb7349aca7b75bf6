"""Mutation testing: every one-defect mutant of a valid transcript is reported where it should be.

Each operator of validator.tools.mutate.operators is applied, with a few seeds, to every valid
transcript we own and to every shared capture judged VALID. The mutant must get its expected rule
at its expected line as an error; the originals must give no error at all. Mutants are written
into tmp_path and are reproducible from (base, operator, seed):
``responses-validator mutate BASE --ops OP --seed N``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import needs_shared

from tools.detection_matrix import Base, check_base, check_mutant, mutants, own_bases, shared_bases
from validator.model.findings import Severity
from validator.tools.mutate import operators as mutate

SEEDS = (0, 1)
OWN = own_bases()
SHARED = shared_bases()
OPS = list(mutate.OPERATORS)


#: Mutants the implementation reports differently from what the spec asks; each is an xfail
#: (strict, so it turns red once fixed) and is listed in the mutation report for the lead.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _ids(bases: list[Base]) -> list[str]:
    return [b.id for b in bases]


def _cases(bases: list[Base]) -> list[object]:
    cases = []
    for base in bases:
        for op in OPS:
            gap = KNOWN_GAPS.get((base.id, op))
            marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
            cases.append(pytest.param(base, op, id=f"{base.id}-{op}", marks=marks))
    return cases


def _errors(base: Base) -> list[str]:
    return [f"{f.rule}@{f.line}" for f in check_base(base) if f.severity is Severity.ERROR]


def _undetected(base: Base, op: str, tmp_path: Path) -> list[str]:
    failures = []
    for m in mutants(base, [op], SEEDS):
        verdict, what = mutate.judge(check_mutant(base, m, tmp_path), m.expected)
        if verdict != mutate.DETECTED:
            e = m.expected
            failures.append(
                f"{m.name}: expected {e['rule']}@{e['line']} ({e['description']}); "
                f"{verdict}{': ' + what if what else ''}"
            )
    return failures


def test_bases_found() -> None:
    assert len(OWN) >= 10, "expected our valid seeds and streams"
    assert any(b.path.suffix == ".jsonl" for b in OWN) and any(b.path.suffix == ".sse" for b in OWN)


@pytest.mark.parametrize("base", OWN, ids=_ids(OWN))
def test_own_original_has_no_error(base: Base) -> None:
    assert _errors(base) == []


@pytest.mark.parametrize("base,op", _cases(OWN))
def test_own_mutants_detected(base: Base, op: str, tmp_path: Path) -> None:
    assert _undetected(base, op, tmp_path) == []


@needs_shared
@pytest.mark.parametrize("base", SHARED, ids=_ids(SHARED))
def test_shared_original_has_no_error(base: Base) -> None:
    assert _errors(base) == []


@needs_shared
@pytest.mark.parametrize("base,op", _cases(SHARED))
def test_shared_mutants_detected(base: Base, op: str, tmp_path: Path) -> None:
    assert _undetected(base, op, tmp_path) == []


def test_every_operator_has_a_target_in_our_corpus() -> None:
    hit = {m.expected["operator"] for base in OWN for m in mutants(base, seeds=(0,))}
    assert hit == set(OPS)
