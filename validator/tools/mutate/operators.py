"""Mutation operators: break a valid transcript in exactly one way, and say which rule must notice.

A mutant is a copy of a valid SSE or JSONL transcript with one defect. Every operator knows the
rule that must report that defect and the event (or end of input) where the defect first becomes
visible, so that a test can assert that the validator finds it there. Operators are pure text/JSON
transformations: they never call the checker.

Realism matters more than variety: except where an operator breaks them on purpose, mutants keep
valid JSON, SSE framing, ``event:`` lines equal to ``type``, and consecutive ``sequence_number``s
(events that are dropped, inserted or moved are renumbered), so that only the semantic rule under
test can catch the mutant. Operators that need a target choose it with ``random.Random(seed)``; an
operator that finds no target in a file produces nothing.

This module is the operator table, the mutants and the verdicts on them; the transcript model is
in ``mutate_model``, what a stream contains in ``mutate_structure``, and the operators in
``mutate_drops`` (removing events) and ``mutate_edits`` (changing, moving or inserting them).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from validator.catalog import PROTOCOL_PROFILES
from validator.tools.mutate import anthropic, chat
from validator.tools.mutate.drops import (
    at_first_event,
    at_first_item_ref,
    at_first_part_ref,
    at_item_done,
    at_terminal_after_item,
    drop_op,
    op_drop_delta,
    op_drop_in_progress,
    op_drop_terminal,
    op_drop_text_done,
    op_truncate,
)
from validator.tools.mutate.edits import (
    op_corrupt_json,
    op_delta_after_done,
    op_delta_char,
    op_done_char,
    op_duplicate_item_id,
    op_event_after_terminal,
    op_event_name,
    op_final_output_missing_item,
    op_missing_field,
    op_response_id,
    op_seq_gap,
    op_seq_repeat,
    op_swap_adjacent,
    op_terminal_status,
    op_unknown_type,
    op_wrong_item_id,
    op_wrong_output_index,
    op_wrong_type,
    wrong_part_index,
)

# The transcript model is part of this module's API (tests and tools parse, render and read
# payloads through ``validator.tools.mutate.operators``); it lives in mutate_model.
from validator.tools.mutate.model import Frame as Frame
from validator.tools.mutate.model import Mutation as Mutation
from validator.tools.mutate.model import OpFn, Transcript, end_line, parse, payload_lines, render
from validator.tools.mutate.model import detect_format as detect_format
from validator.tools.mutate.model import payload_text as payload_text

__all__ = [
    "OPERATORS",
    "OPERATOR_TABLES",
    "Mutant",
    "Operator",
    "Transcript",
    "generate",
    "parse",
    "render",
    "write_mutants",
]


@dataclass(frozen=True)
class Operator:
    name: str
    rule: str
    doc: str
    fn: OpFn


#: The operator table: (name, usual expected rule, function, doc). The doc says where the rule
#: fires; a few operators pick another rule per target (said in the doc), and the sidecar always
#: records the real expectation.
_TABLE: tuple[tuple[str, str, OpFn, str], ...] = (
    ("corrupt-json", "RSP002", op_corrupt_json,
     "Removes the closing brace of one event's JSON. Fires at that data line."),
    ("event-name", "RSP004", op_event_name,
     "SSE only: one event's `event:` line names another type of the stream. Fires at its data line."),
    ("seq-gap", "RSP204", op_seq_gap,
     "One sequence_number skips a value (later ones shift too, so there is one gap). Fires at that event."),
    ("seq-repeat", "RSP205", op_seq_repeat,
     "One event repeats the previous sequence_number (later ones follow on). Fires at that event."),
    ("swap-adjacent", "RSP204", op_swap_adjacent,
     "Two adjacent events swap places, numbers included: the first of the pair now skips a number. "
     "Fires there (RSP205 follows at the next event)."),
    ("drop-created", "RSP206", drop_op(("response.created",), "RSP206", at_first_event),
     "Drops response.created (renumbered from 0, so the stream does not look resumed). Fires at the new "
     "first event, or, when that is response.queued (which may precede created), at the event after it."),
    ("drop-in-progress", "RSP207", op_drop_in_progress,
     "Drops response.in_progress before a completed or incomplete terminal event. "
     "Fires at the terminal event."),
    ("drop-item-added", "RSP220",
     drop_op(("response.output_item.added",), "RSP220", at_first_item_ref, True),
     "Drops one output_item.added. Fires at the first later event that refers to the item."),
    ("drop-item-done", "RSP228", drop_op(("response.output_item.done",), "RSP228", at_terminal_after_item),
     "Drops one output_item.done. Fires at the terminal event, which ends the response with the item "
     "still open (streams with an `error` event are no target: there the error explains it)."),
    ("drop-part-added", "RSP240", drop_op(("response.content_part.added",), "RSP240", at_first_part_ref(
        "content_index", "response.content_part.added"), True),
     "Drops one content_part.added. Fires at the first later event for that part."),
    ("drop-part-done", "RSP244", drop_op(("response.content_part.done",), "RSP244", at_item_done),
     "Drops one content_part.done. Fires at the item's output_item.done, which closes it with the part "
     "still open."),
    ("drop-summary-part-added", "RSP240", drop_op(("response.reasoning_summary_part.added",), "RSP240",
        at_first_part_ref("summary_index", "response.reasoning_summary_part.added"), True),
     "Drops one reasoning_summary_part.added. Fires at the first later event for that summary part."),
    ("drop-summary-part-done", "RSP244",
     drop_op(("response.reasoning_summary_part.done",), "RSP244", at_item_done),
     "Drops one reasoning_summary_part.done. Fires at the reasoning item's output_item.done."),
    ("drop-text-done", "RSP247", op_drop_text_done,
     "Drops the `.done` event of a text stream that had deltas (output_text, refusal, reasoning_text, "
     "reasoning_summary_text, function_call_arguments, custom_tool_call_input, mcp_call_arguments, "
     "code_interpreter_call_code). Fires at the event that closes the stream: content_part.done, "
     "reasoning_summary_part.done or output_item.done."),
    ("drop-delta", "RSP301", op_drop_delta,
     "Drops one non-empty delta of a stream that has several (one with none left is allowed). Fires at "
     "the stream's `.done` event, whose text no longer equals the concatenated deltas."),
    ("drop-terminal", "RSP209", op_drop_terminal,
     "Drops the terminal event (completed, incomplete or failed). Fires at the end of input."),
    ("delta-char", "RSP301", op_delta_char,
     "Changes one character of one delta. Fires at the stream's `.done` event."),
    ("done-char", "RSP301", op_done_char,
     "Changes one character of a `.done` text (text, refusal, arguments, input, code). Fires at that event."),
    ("delta-after-done", "RSP246", op_delta_after_done,
     "Moves the last delta of a stream to just after its `.done`. Fires at the moved delta "
     "(RSP301 also fires at the `.done`)."),
    ("wrong-item-id", "RSP223", op_wrong_item_id,
     "Gives one item-scoped event the item_id of another item (or a changed id). Fires at that event."),
    ("wrong-output-index", "RSP223", op_wrong_output_index,
     "Gives one item-scoped event another item's output_index (or, with no other item yet, an index "
     "never added), so that its item_id names a known item that is not there. Fires at that event."),
    ("wrong-content-index", "RSP240", wrong_part_index("content_index", "response.content_part.added"),
     "Points one content-part event at a content_index that is never added. Fires at that event."),
    ("wrong-summary-index", "RSP240",
     wrong_part_index("summary_index", "response.reasoning_summary_part.added"),
     "Points one summary event at a summary_index that is never added. Fires at that event."),
    ("duplicate-item-id", "RSP222", op_duplicate_item_id,
     "Renames a later item, everywhere, to an earlier item's id. "
     "Fires at the later item's output_item.added."),
    ("event-after-terminal", "RSP208", op_event_after_terminal,
     "Sends a copy of an item event after the terminal event (numbered on). Fires at the copy."),
    ("truncate", "RSP209", op_truncate,
     "Cuts the stream cleanly after a random event before the terminal one. Fires at the end of input."),
    ("missing-field", "RSP103", op_missing_field,
     "Removes a required field (response, item, part, delta, item_id, output_index, content_index or "
     "summary_index) from one event. Fires at that event."),
    ("wrong-type", "RSP103", op_wrong_type,
     "Sends output_index, content_index or summary_index of one event as a string. Fires at that event."),
    ("unknown-type", "RSP102", op_unknown_type,
     "Inserts an event of the unknown type `response.heartbeat`. Fires at that event; an error in the "
     "open-responses profile (the sidecar says so), a warning in openai, where unknown types are tolerated."),
    ("final-output-missing-item", "RSP305", op_final_output_missing_item,
     "Removes one item from the terminal response's output (a failed response keeps at least one: it "
     "may legitimately end with none). Fires at the terminal event."),
    ("terminal-status", "RSP210", op_terminal_status,
     "Changes the terminal response's status (completed -> in_progress, incomplete or failed -> completed). "
     "Fires at the terminal event."),
    ("response-id", "RSP211", op_response_id,
     "Changes response.id in one lifecycle event after the first. Fires at that event."),
)  # fmt: skip

OPERATORS: dict[str, Operator] = {name: Operator(name, rule, doc, fn) for name, rule, fn, doc in _TABLE}
#: protocol -> its operators (Responses above; the others from their modules).
OPERATOR_TABLES: dict[str, dict[str, Operator]] = {
    "responses": OPERATORS,
    "chat": {name: Operator(name, rule, doc, fn) for name, rule, fn, doc in chat.CHAT_TABLE},
    "anthropic": {name: Operator(name, rule, doc, fn) for name, rule, fn, doc in anthropic.TABLE},
}


# ---------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    name: str  #: file name of the mutant
    text: str
    expected: dict[str, Any]


def _select(ops: Iterable[str] | None, protocol: str = "responses") -> list[Operator]:
    table = OPERATOR_TABLES[protocol]
    names = list(ops) if ops else list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        raise KeyError(f"unknown operator(s): {', '.join(unknown)}")
    return [table[n] for n in names]


def generate(
    text: str,
    base: str = "<stream>",
    ops: Iterable[str] | None = None,
    seed: int = 0,
    *,
    profile: str | None = None,
    transcript: Transcript | None = None,
    protocol: str = "responses",
) -> Iterator[Mutant]:
    """Yield at most one mutant per operator; each operator draws from its own ``Random(seed)``.

    ``profile`` is the one the base transcript is valid in (None: the protocol's default);
    ``transcript`` saves re-parsing ``text``; ``protocol`` chooses the operator table.
    """
    profile = profile or PROTOCOL_PROFILES[protocol][0]
    t = transcript or parse(text, name=base)
    stem, ext = Path(base).stem, (Path(base).suffix or (".sse" if t.format == "sse" else ".jsonl"))
    for op in _select(ops, protocol):
        m = op.fn(t, random.Random(seed))
        if m is None:
            continue
        mt = replace(t, frames=m.frames)
        out = render(mt)
        line = end_line(out) if m.at is None else payload_lines(mt)[m.at]
        yield Mutant(
            f"{stem}.{op.name}.s{seed}{ext}",
            out,
            {
                "base": Path(base).name,
                "operator": op.name,
                "seed": seed,
                "rule": m.rule,
                "line": line,
                "at": "end" if m.at is None else "event",
                "profile": m.profile or profile,
                "severity": m.severity,
                "description": m.description,
            },
        )


def sidecar_path(mutant: Path) -> Path:
    return mutant.with_name(mutant.name + ".expected.json")


def write_mutants(
    path: str | Path,
    out_dir: str | Path,
    ops: Iterable[str] | None = None,
    seed: int = 0,
    profile: str | None = None,
    protocol: str = "responses",
) -> list[Path]:
    """Write each mutant of ``path`` and its ``.expected.json`` sidecar into ``out_dir``."""
    src = Path(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for m in generate(
        src.read_bytes().decode("utf-8"), src.name, ops, seed, profile=profile, protocol=protocol
    ):
        target = out / m.name
        target.write_bytes(m.text.encode("utf-8"))
        sidecar_path(target).write_text(
            json.dumps(m.expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(target)
    return written


# ---------------------------------------------------------------------------- verdicts

#: How a checker did on one mutant.
DETECTED, ELSEWHERE, MISSED = "detected", "elsewhere", "missed"


def judge(findings: Iterable[Any], expected: dict[str, Any]) -> tuple[str, str]:
    """Classify a checker's findings (``rule``, ``line``, ``severity``) against a sidecar.

    ``detected``: the expected rule at the expected line with the expected severity;
    ``elsewhere``: some other error (the mutant fails, but not where or why it should);
    ``missed``: no error at all. The second value names what fired, for reports.
    """
    fs = list(findings)
    want = expected.get("severity", "error")

    def sev(f: Any) -> str:
        return getattr(f.severity, "value", f.severity)

    if any(f.rule == expected["rule"] and f.line == expected["line"] and sev(f) == want for f in fs):
        return DETECTED, f"{expected['rule']}@{expected['line']}"
    errors = [f for f in fs if sev(f) == "error"]
    if errors:
        same = [f for f in errors if f.rule == expected["rule"]]
        first = (same or errors)[0]
        return ELSEWHERE, f"{first.rule}@{first.line}"
    return MISSED, ""
