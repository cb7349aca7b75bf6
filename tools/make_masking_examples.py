#!/usr/bin/env python3
"""Write ``corpus/masking/RSPnnn.sse``: each rule's bad example with a schema slip beside its defect.

A real server's stream usually breaks several rules at once, most often a cosmetic schema slip
(a required-but-nullable field left out) in the very event that carries a lifecycle or
consistency defect. For every rule example (``corpus/rules/RSPnnn/bad.sse``) whose finding
points at an event, this writes the same stream with one field of that event removed (or, when
no removal breaks the schema, given a value of the wrong type): a field that the finding does not
read and that does not place the event or its item. Checking it must report the example's
findings *and* one RSP103 per edited event (``tests/test_masking.py``); the sidecar next to it
pins that (``tools/update_expected.py`` writes it).

    python tools/make_masking_examples.py            # (re)write corpus/masking/
    python tools/make_masking_examples.py --check    # exit 1 when a file differs
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "corpus" / "rules"
OUT = ROOT / "corpus" / "masking"

sys.path.insert(0, str(ROOT))
from validator.engine import CheckOptions, check_bytes  # noqa: E402
from validator.model.findings import covered  # noqa: E402
from validator.protocols.responses.families import TRUSTED_FIELDS  # noqa: E402
from validator.protocols.responses.schemas import SchemaChecker  # noqa: E402

#: Fields never touched: they place the event in the stream.
PLACING = ("/type", "/sequence_number")


def paths(value: Any, prefix: str = "", depth: int = 3) -> list[str]:
    """Every member of an object (and of the objects in it, to ``depth``), in document order."""
    found: list[str] = []
    if isinstance(value, dict) and depth:
        for key, sub in value.items():
            here = f"{prefix}/{key}"
            found.append(here)
            found.extend(paths(sub, here, depth - 1))
    elif isinstance(value, list) and depth and value:
        found.extend(paths(value[0], f"{prefix}/0", depth - 1))
    return found


def _place(value: Any, pointer: str) -> tuple[Any, Any]:
    *parents, last = pointer.split("/")[1:]
    for key in parents:
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value, int(last) if isinstance(value, list) else last


def without(event: dict[str, Any], pointer: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    place, key = _place(event, pointer)
    del place[key]
    return event


def mistyped(event: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The field given a value of another JSON type."""
    event = copy.deepcopy(event)
    place, key = _place(event, pointer)
    place[key] = "?" if isinstance(place[key], (list, dict, bool)) or place[key] is None else [True]
    return event


def slip(event: dict[str, Any], reads: str, checker: SchemaChecker) -> tuple[dict[str, Any], str, str] | None:
    """The event with one field removed (else mistyped) that the finding at ``reads`` does not
    read: leaves first, as real servers' slips are (a missing ``temperature``)."""
    trusted = TRUSTED_FIELDS.get(event.get("type", ""), ())
    found = paths(event)
    leaves = [p for p in found if not any(q.startswith(p + "/") for q in found)]
    ordered = [*leaves, *(p for p in found if p not in leaves)]
    if not reads:
        # A finding about where the event is: any field may slip, those that place the item last.
        ordered = sorted(ordered, key=lambda p: covered(p, trusted))
        trusted = ()
    for pointer in ordered:
        if pointer in PLACING or covered(pointer, trusted) or any(covered(t, (pointer,)) for t in trusted):
            continue
        if reads and (covered(reads, (pointer,)) or covered(pointer, (reads,))):
            continue
        for edit, what in ((without, "left out"), (mistyped, "of the wrong type")):
            broken = edit(event, pointer)
            if any(i.rule == "RSP103" and covered(pointer, i.slips) for i in checker.check(broken)):
                return broken, pointer, what
    return None


def options_of(directory: Path) -> dict[str, Any]:
    options: dict[str, Any] = json.loads((directory / "bad.expected.json").read_text())["options"]
    return options


def build(directory: Path) -> tuple[bytes, list[tuple[int, str]]] | None:
    """The example with a slip in each event that carries a lifecycle or consistency finding, and
    (line, removed field) per edit; None when no finding of the example points at such an event."""
    bad = directory / "bad.sse"
    sidecar = json.loads((directory / "bad.expected.json").read_text())
    if not bad.is_file() or "probe" in sidecar:
        return None
    opts = CheckOptions.from_json(sidecar["options"])
    data = bad.read_bytes()
    lines = data.split(b"\n")
    checker = SchemaChecker.for_profile(opts.profile or "openai", strict=opts.strict)
    edits: list[tuple[int, str]] = []  # (line, what slipped)
    for f in check_bytes(data, bad.name, opts).findings:
        line = f.line
        if f.rule[3] not in "23" or line > len(lines) or not lines[line - 1].startswith(b"data: "):
            continue
        if any(at == line for at, _ in edits):
            continue
        try:
            event = json.loads(lines[line - 1][len(b"data: ") :])
        except ValueError:
            continue  # the finding is about the framing or the JSON itself
        if not isinstance(event, dict) or checker.check(event) or set(event) <= {p[1:] for p in PLACING}:
            continue  # already broken, or a keepalive: nothing but its type and number
        made = slip(event, f.pointer, checker)
        if made is None:
            raise SystemExit(f"{directory.name}: no field of line {line} to slip beside {f.rule}")
        broken, pointer, what = made
        lines[line - 1] = b"data: " + json.dumps(broken, separators=(",", ":"), ensure_ascii=False).encode()
        edits.append((line, f"{pointer} {what}"))
    if not edits:
        return None
    # The example's header comment says what the defect is; a second one says what slipped (and
    # moves every line down by one).
    said = "; ".join(f"line {n + 1}: {what}" for n, what in edits)
    header = f": and a schema slip in the same event ({said}): both are reported".encode()
    return b"\n".join([lines[0], header, *lines[1:]]), [(n + 1, what) for n, what in edits]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs")
    args = parser.parse_args(argv)
    stale = []
    wanted = set()
    for directory in sorted(p for p in RULES_DIR.iterdir() if p.is_dir()):
        made = build(directory)
        if made is None:
            continue
        data, _ = made
        path = OUT / f"{directory.name}.sse"
        wanted.add(path.name)
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(str(path))
            continue
        OUT.mkdir(exist_ok=True)
        path.write_bytes(data)
        sidecar = OUT / f"{directory.name}.expected.json"
        if not sidecar.is_file():
            # Findings are left to tools/update_expected.py, which runs the checker.
            said = "; ".join(f"line {n}: {what}" for n, what in made[1])
            provenance = {
                "source": "tools/make_masking_examples.py",
                "note": f"corpus/rules/{directory.name}/bad.sse with a schema slip beside its defect: {said}",
            }
            value = {"options": options_of(directory), "findings": [], "provenance": provenance}
            sidecar.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    extra = sorted(p.name for p in OUT.glob("*.sse") if p.name not in wanted) if OUT.is_dir() else []
    if stale or extra:
        print(
            "out of date (run tools/make_masking_examples.py):", *stale, *extra, sep="\n  ", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
