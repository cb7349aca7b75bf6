#!/usr/bin/env python3
"""Write every rule's examples: ``corpus/rules/<ID>/{bad.<ext>, good.<ext>, bad.expected.json}``.

One generator for every protocol: the examples are defined in ``tools/rule_examples/``, a module
(or subpackage) per protocol (``responses/`` one module per layer of the catalog, ``chat``,
``anthropic``) sharing ``tools/rule_examples/kit.py``. A whole run also writes the protocols' own
transcripts that live beside the examples (``corpus/anthropic/``).

Each example is built from a protocol's realistic streams, then ``bad`` gets exactly one defect
and ``good`` is the same stream without it. The renderer knows the line of every line it writes,
so the sidecar's line numbers are computed, never typed by hand. Everything is deterministic
(ids are hashes of labels, timestamps are fixed), so running the script twice gives the same
bytes. ``--check`` exits 1 when the files on disk differ from what the script would write.

    python tools/make_rule_examples.py                       # (re)write every protocol's examples
    python tools/make_rule_examples.py --check               # verify the committed files
    python tools/make_rule_examples.py --protocol chat       # one protocol's (repeatable)
    python tools/make_rule_examples.py RSP204 CH210          # only some rules
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "rules"

sys.path.insert(0, str(ROOT))
from tools.rule_examples import EXAMPLES, EXTRA_FILES, build  # noqa: E402
from validator.catalog import PROTOCOL_PROFILES, RULES  # noqa: E402


def files(rules: list[str], protocols: list[str], out: Path, whole: bool) -> dict[Path, bytes]:
    found = {out / rule / name: data for rule in rules for name, data in build(rule).items()}
    if whole:
        for protocol in protocols:
            if protocol in EXTRA_FILES:
                found.update(EXTRA_FILES[protocol]())
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules", nargs="*", help="rule ids (default: every rule with an example)")
    parser.add_argument(
        "--protocol",
        action="append",
        choices=list(PROTOCOL_PROFILES),
        help="only this protocol's examples (repeatable; default: every protocol)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the files differ from the generated ones"
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="where the rule folders go (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    protocols = args.protocol or list(PROTOCOL_PROFILES)
    unknown = [r for r in args.rules if r not in EXAMPLES]
    if unknown:
        parser.error(f"no example for {', '.join(unknown)}")
    rules = [r for r in args.rules or sorted(EXAMPLES) if RULES[r].protocol in protocols]
    missing = sorted(r for r, rule in RULES.items() if rule.protocol in protocols and r not in EXAMPLES)
    stale = []
    for path, data in files(rules, protocols, args.out, not args.rules).items():
        if path.is_file() and path.read_bytes() == data:
            continue
        if args.check:
            stale.append(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))
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
