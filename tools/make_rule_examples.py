#!/usr/bin/env python3
"""Write every rule's example pair: ``corpus/rules/RSPnnn/{bad.sse, good.sse, bad.expected.json}``.

The examples are defined in ``tools/rule_examples/``, one module per layer of the catalog.

Each example is built from the same few realistic streams (a text answer, a function call, a web
search, an image generation, an error), then ``bad`` gets exactly one defect and ``good`` is the
same stream without it. The builder knows the line of every ``data:`` line it writes, so the
sidecar's line numbers are computed, never typed by hand: a mark on an event means "a finding for
this rule points at this event's ``data:`` line"; an end mark means "at the end of the input"
(the line after the last line break).

Everything is deterministic (ids are hashes of labels, timestamps are fixed), so running the
script twice gives the same bytes. ``--check`` exits 1 when the files on disk differ from what
the script would write.

    python tools/make_rule_examples.py            # (re)write corpus/rules/
    python tools/make_rule_examples.py --check    # verify the committed files
    python tools/make_rule_examples.py RSP204     # only some rules
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "rules"

sys.path.insert(0, str(ROOT))
from tools.rule_examples import EXAMPLES, render  # noqa: E402
from validator.catalog import RULES  # noqa: E402

# ---------------------------------------------------------------- writing


def build(rule: str) -> dict[str, bytes]:
    ex = EXAMPLES[rule]()
    name = RULES[rule].name
    if ex.files is not None:
        ext, bad, good = ex.files
        assert not good.findings, f"{rule}: marks in the good example"
    else:
        ext = "sse"
        bad = render(
            ex.bad,
            f"{rule} {name} - bad: {ex.about_bad}",
            terminated=ex.bad_terminated,
            end_marks=ex.end_marks,
        )
        good = render(ex.good, f"{rule} {name} - good: {ex.about_good}")
        assert not [m for e in ex.good for m in e.marks], f"{rule}: marks in the good example"
    sidecar: dict[str, Any] = {"options": ex.options}
    if ex.probe is not None:
        sidecar["probe"] = ex.probe
    sidecar["findings"] = [{"rule": r, "line": line} for r, line in bad.findings]
    out = {
        f"bad.{ext}": bad.data,
        f"good.{ext}": good.data,
        "bad.expected.json": (json.dumps(sidecar, indent=2) + "\n").encode(),
    }
    for v in ex.variants:
        more = render(v.bad, f"{rule} {name} - bad ({v.name}): {v.about}")
        findings = [
            {"rule": r, "line": line, **({"severity": v.severities[r]} if r in v.severities else {})}
            for r, line in more.findings
        ]
        out[f"bad-{v.name}.sse"] = more.data
        out[f"bad-{v.name}.expected.json"] = (
            json.dumps({"options": v.options, "findings": findings}, indent=2) + "\n"
        ).encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules", nargs="*", help="rule ids (default: every rule with an example)")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the files differ from the generated ones"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rules = args.rules or sorted(EXAMPLES)
    # Other protocols' examples have their own generators (make_chat_rule_examples, make_anthropic_examples).
    missing = sorted(r for r in set(RULES) - set(EXAMPLES) if RULES[r].protocol == "responses")
    stale = []
    for rule in rules:
        for name, data in build(rule).items():
            path = args.out / rule / name
            if args.check:
                if not path.is_file() or path.read_bytes() != data:
                    stale.append(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    if missing:
        print(f"rules without an example: {', '.join(missing)}", file=sys.stderr)
    if stale:
        print("out of date (run tools/make_rule_examples.py):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 1 if missing and not args.rules else 0


if __name__ == "__main__":
    sys.exit(main())
