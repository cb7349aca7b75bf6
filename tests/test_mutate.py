"""The mutation operators themselves (no checker involved): framing, realism, determinism, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import needs_shared

from tools.detection_matrix import Base, mutants, own_bases, shared_bases
from validator.tools.mutate import operators as mutate
from validator.tools.mutate.command import mutate_command

OWN = own_bases()
SEED_FILE = next(b.path for b in OWN if b.path.name.startswith("004_"))
#: Operators whose whole point is to break the property a realism check looks at.
BREAKS_JSON = {"corrupt-json"}
BREAKS_EVENT_NAME = {"event-name"}
BREAKS_NUMBERING = {"seq-gap", "seq-repeat", "swap-adjacent"}


def _ev(typ: str, seq: int, **fields: object) -> str:
    return json.dumps({"type": typ, "sequence_number": seq, **fields})


def _resp(status: str, output: list[object] | None = None) -> dict[str, object]:
    return {"id": "resp_1", "object": "response", "status": status, "output": output or []}


MSG = {"id": "msg_1", "type": "message", "role": "assistant", "status": "in_progress", "content": []}
PART = {"type": "output_text", "text": "", "annotations": []}
DONE_PART = {**PART, "text": "Hello"}
DONE_MSG = {**MSG, "status": "completed", "content": [DONE_PART]}
IDS = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
#: A minimal valid text stream, as JSONL (line n holds event n-1).
TINY = (
    "\n".join(
        [
            _ev("response.created", 0, response=_resp("in_progress")),
            _ev("response.in_progress", 1, response=_resp("in_progress")),
            _ev("response.output_item.added", 2, output_index=0, item=MSG),
            _ev("response.content_part.added", 3, part=PART, **IDS),
            _ev("response.output_text.delta", 4, delta="Hel", **IDS),
            _ev("response.output_text.delta", 5, delta="lo", **IDS),
            _ev("response.output_text.done", 6, text="Hello", **IDS),
            _ev("response.content_part.done", 7, part=DONE_PART, **IDS),
            _ev("response.output_item.done", 8, output_index=0, item=DONE_MSG),
            _ev("response.completed", 9, response=_resp("completed", [DONE_MSG])),
        ]
    )
    + "\n"
)


def _one(op: str, text: str = TINY, seed: int = 0, name: str = "tiny.jsonl") -> mutate.Mutant:
    found = list(mutate.generate(text, name, [op], seed))
    assert len(found) == 1, op
    return found[0]


def _types(text: str) -> list[str | None]:
    t = mutate.parse(text, "jsonl")
    return [t.frames[i].type for i in t.events()]


# ---------------------------------------------------------------------------- parse / render


@pytest.mark.parametrize("base", OWN, ids=[b.id for b in OWN])
def test_render_reproduces_own_transcripts(base: Base) -> None:
    text = base.path.read_bytes().decode("utf-8")
    assert mutate.render(mutate.parse(text, name=base.path.name)) == text


@needs_shared
def test_render_reproduces_shared_captures() -> None:
    for base in shared_bases():
        text = base.path.read_bytes().decode("utf-8")
        assert mutate.render(mutate.parse(text, name=base.path.name)) == text, base.id


@pytest.mark.parametrize(
    "text",
    [
        "event: a\r\ndata: {}\r\n\r\n",  # CRLF
        "data: {}\n\n\n: comment\n\ndata: {}",  # extra blank lines, a comment block, no final newline
        "\n\ndata: {}\ndata: 1\n\n",  # leading blank lines, multi-line data
        "",
    ],
)
def test_render_reproduces_framing(text: str) -> None:
    assert mutate.render(mutate.parse(text, "sse")) == text


def test_multiline_data_is_joined() -> None:
    t = mutate.parse('data: {"type":\ndata: "x"}\n\n', "sse")
    assert t.frames[0].data == {"type": "x"}


def test_json_array_input_is_refused() -> None:
    with pytest.raises(ValueError):
        mutate.parse("[]", "json")


# ---------------------------------------------------------------------------- realism


def _own_mutants() -> list[tuple[Base, mutate.Mutant]]:
    return [(b, m) for b in OWN for m in mutants(b, seeds=(0, 1, 2))]


@pytest.mark.parametrize("base,mutant", _own_mutants(), ids=lambda v: getattr(v, "name", None) or v.id)
def test_mutant_is_realistic(base: Base, mutant: mutate.Mutant) -> None:
    op, e = mutant.expected["operator"], mutant.expected
    original = base.path.read_bytes().decode("utf-8")
    assert mutant.text != original
    t = mutate.parse(mutant.text, name=mutant.name)
    lines = mutant.text.split("\n")
    if e["at"] == "end":
        assert e["line"] == mutate.end_line(mutant.text)
    else:
        target = lines[e["line"] - 1]
        assert target.startswith("data:" if t.format == "sse" else "{"), target
    bad = [f for f in t.frames if f.kind == "bad"]
    assert len(bad) == (1 if op in BREAKS_JSON else 0)
    if t.format == "sse" and op not in BREAKS_EVENT_NAME:
        for f in t.frames:
            names = [line.partition(":")[2].strip() for line in f.lines if line.startswith("event:")]
            assert all(n == f.type for n in names) or f.kind != "event", f.lines
    if op not in BREAKS_NUMBERING | BREAKS_JSON:
        seqs = [t.frames[i].seq for i in t.events()]
        if any(s is not None for s in seqs):
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs  # type: ignore[arg-type]


def test_generation_is_deterministic() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    for seed in (0, 7):
        first = list(mutate.generate(text, SEED_FILE.name, seed=seed))
        again = list(mutate.generate(text, SEED_FILE.name, seed=seed))
        assert first == again


def test_every_operator_has_a_rule_and_doc() -> None:
    from validator.catalog import RULES

    for op in mutate.OPERATORS.values():
        assert op.rule in RULES and op.doc.endswith(".") and op.name == op.name.lower()


# ---------------------------------------------------------------------------- where each defect shows


@pytest.mark.parametrize(
    "op,seed,rule,line",
    [
        ("corrupt-json", 0, "RSP002", None),
        ("drop-created", 0, "RSP206", 1),
        ("drop-in-progress", 0, "RSP207", 9),  # completed, now on line 9
        ("drop-item-added", 0, "RSP220", 3),  # content_part.added moved up to line 3
        ("drop-item-done", 0, "RSP228", 9),  # the terminal event, with the item still open
        ("drop-part-added", 0, "RSP240", 4),  # the first delta
        ("drop-part-done", 0, "RSP244", 8),  # output_item.done closes the item with the part open
        ("drop-text-done", 0, "RSP247", 7),  # content_part.done closes the stream
        ("drop-terminal", 0, "RSP209", 10),  # end of input: one past the last line
        ("truncate", 0, "RSP209", None),
        ("done-char", 0, "RSP301", 7),
        ("delta-after-done", 0, "RSP246", 7),  # the moved delta, right after the done
        ("wrong-output-index", 0, "RSP223", None),  # only one item: an index never added
        ("final-output-missing-item", 0, "RSP305", 10),
        ("terminal-status", 0, "RSP210", 10),
        ("event-after-terminal", 0, "RSP208", 11),
    ],
)
def test_expected_rule_and_line(op: str, seed: int, rule: str, line: int | None) -> None:
    m = _one(op, seed=seed)
    assert m.expected["rule"] == rule
    if line is not None:
        assert m.expected["line"] == line


def test_drop_keeps_numbering_consecutive() -> None:
    m = _one("drop-created")
    t = mutate.parse(m.text, "jsonl")
    assert [t.frames[i].seq for i in t.events()] == list(range(9))
    assert _types(m.text)[0] == "response.in_progress"


def test_delta_char_changes_one_character_and_points_at_done() -> None:
    m = _one("delta-char")
    before = [json.loads(x).get("delta") for x in TINY.splitlines()]
    after = [json.loads(x).get("delta") for x in m.text.splitlines()]
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and len(changed[0][0]) == len(changed[0][1])
    assert m.expected["line"] == 7


def test_duplicate_item_id_renames_every_reference() -> None:
    lines = TINY.splitlines()
    second = {**MSG, "id": "msg_2"}
    extra = [
        _ev("response.output_item.added", 9, output_index=1, item=second),
        _ev("response.output_item.done", 10, output_index=1, item={**second, "status": "completed"}),
    ]
    done = json.loads(lines[-1])
    done["sequence_number"] = 11
    done["response"]["output"].append({**second, "status": "completed"})
    text = "\n".join([*lines[:-1], *extra, json.dumps(done)]) + "\n"
    m = _one("duplicate-item-id", text)
    assert "msg_2" not in m.text and m.expected["line"] == 10


def test_wrong_output_index_uses_another_item_when_there_is_one() -> None:
    lines = TINY.splitlines()
    second = {**MSG, "id": "msg_0"}
    pre = [
        _ev("response.output_item.added", 2, output_index=0, item=second),
        _ev("response.output_item.done", 3, output_index=0, item={**second, "status": "completed"}),
    ]
    shifted = [json.loads(x) for x in lines[2:]]
    for n, ev in enumerate(shifted):
        ev["sequence_number"] = 4 + n
        if "output_index" in ev:
            ev["output_index"] = 1
    text = "\n".join([*lines[:2], *pre, *map(json.dumps, shifted)]) + "\n"
    for seed in range(6):
        m = _one("wrong-output-index", text, seed)
        assert m.expected["rule"] == "RSP223"


def test_no_target_no_mutant() -> None:
    unnumbered = "\n".join(json.dumps({k: v for k, v in json.loads(x).items() if k != "sequence_number"})
                           for x in TINY.splitlines())  # fmt: skip
    for op in ("seq-gap", "seq-repeat", "swap-adjacent", "event-name"):
        assert list(mutate.generate(unnumbered, "old.jsonl", [op])) == []
    assert list(mutate.generate(TINY, "tiny.jsonl", ["wrong-summary-index", "duplicate-item-id"])) == []


def test_unknown_type_needs_open_responses_profile() -> None:
    m = _one("unknown-type")
    assert m.expected["rule"] == "RSP102" and m.expected["profile"] == "open-responses"
    assert '"response.heartbeat"' in m.text


def test_unknown_operator() -> None:
    with pytest.raises(KeyError):
        list(mutate.generate(TINY, "tiny.jsonl", ["nope"]))


# ---------------------------------------------------------------------------- verdicts


def _f(rule: str, line: int, severity: str = "error") -> SimpleNamespace:
    return SimpleNamespace(rule=rule, line=line, severity=SimpleNamespace(value=severity))


def test_judge() -> None:
    e = {"rule": "RSP204", "line": 5, "severity": "error"}
    assert mutate.judge([_f("RSP204", 5)], e)[0] == mutate.DETECTED
    assert mutate.judge([_f("RSP204", 6)], e) == (mutate.ELSEWHERE, "RSP204@6")
    assert mutate.judge([_f("RSP205", 5)], e) == (mutate.ELSEWHERE, "RSP205@5")
    assert mutate.judge([_f("RSP204", 5, "warning")], e)[0] == mutate.MISSED
    assert mutate.judge([], e) == (mutate.MISSED, "")


# ---------------------------------------------------------------------------- files and CLI


def test_write_mutants_writes_sidecars(tmp_path: Path) -> None:
    written = mutate.write_mutants(SEED_FILE, tmp_path, ["seq-gap", "drop-terminal"], seed=3)
    assert [p.name for p in written] == [
        f"{SEED_FILE.stem}.seq-gap.s3.sse",
        f"{SEED_FILE.stem}.drop-terminal.s3.sse",
    ]
    side = json.loads(mutate.sidecar_path(written[0]).read_text(encoding="utf-8"))
    assert side["base"] == SEED_FILE.name and side["operator"] == "seq-gap" and side["seed"] == 3
    assert {"rule", "line", "profile", "severity", "description"} <= side.keys()


def test_cli_writes_mutants(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        mutate_command, [str(SEED_FILE), "--out", str(tmp_path), "--ops", "seq-gap,truncate"]
    )
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.expected.json"))) == 2


def test_cli_all_operators(tmp_path: Path) -> None:
    result = CliRunner().invoke(mutate_command, [str(SEED_FILE), "--out", str(tmp_path), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.expected.json"))) == len(
        list(mutate.generate(SEED_FILE.read_text(), "x.sse", seed=1))
    )


def test_cli_list() -> None:
    result = CliRunner().invoke(mutate_command, ["--list"])
    assert result.exit_code == 0
    assert all(name in result.output for name in mutate.OPERATORS)


@pytest.mark.parametrize("args", [["--ops", "nope"], []])
def test_cli_usage_errors(args: list[str], tmp_path: Path) -> None:
    extra = ["--out", str(tmp_path)] if args else []
    result = CliRunner().invoke(mutate_command, [str(SEED_FILE), *extra, *args])
    assert result.exit_code == 2
