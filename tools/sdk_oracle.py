"""Compare with the openai SDK: how many mutants does a strict SDK client notice, and how many do we?

The oracle reads a transcript the way openai-python's ``Stream`` does (stop at ``[DONE]``,
``json.loads`` each payload, raise on a payload whose top-level ``error`` is truthy), validates every
event strictly with ``TypeAdapter(ResponseStreamEvent)``, feeds it to the SDK's own accumulator
(``openai.lib.streaming.responses.ResponseStreamState``, the engine of ``responses.stream()``), and
takes its final response. The SDK *catches* a mutant when it raises where it did not on the original,
or when its final response (or the lack of one) differs from the original's: a client could see that.

We catch a mutant when the validator reports at least one error on it.

    python tools/sdk_oracle.py [--seeds 1] [--no-shared]

Test-only: needs the ``openai`` package (a dev dependency), never imported by the validator.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.detection_matrix import Base, check_mutant, mutants, own_bases, shared_bases  # noqa: E402
from validator import mutate  # noqa: E402

#: What the SDK did with a transcript: ("raised", exception type) or ("final", final response JSON).
Outcome = tuple[str, str]


@cache
def _adapter() -> Any:
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    return TypeAdapter(ResponseStreamEvent)


def sdk_outcome(text: str, name: str = "") -> Outcome:
    """Run the SDK's parsing and accumulation over a transcript; never raises."""
    from openai import omit
    from openai.lib.streaming.responses import ResponseStreamState

    adapter = _adapter()
    state: Any = ResponseStreamState(input_tools=omit, text_format=omit)
    t = mutate.parse(text, name=name)
    try:
        for frame in t.frames:
            payload = mutate.payload_text(frame.lines, t.format)
            if payload is None:
                continue
            if payload.startswith("[DONE]"):
                break
            data = json.loads(payload)
            if isinstance(data, dict) and data.get("error"):
                return ("raised", "APIError")  # openai._streaming.Stream raises on a truthy error
            state.handle_event(adapter.validate_python(data, strict=True))
    except Exception as exc:  # the oracle's point: any exception is the SDK noticing
        return ("raised", type(exc).__name__)
    # ResponseStream.get_final_response() returns exactly this (or raises when it is None).
    final = state._completed_response
    return ("final", final.model_dump_json() if final is not None else "")


@dataclass
class Tally:
    mutants: int = 0
    sdk: int = 0
    ours: int = 0
    sdk_only: list[str] = field(default_factory=list)
    by_op: dict[str, Counter[str]] = field(default_factory=dict)
    bases_sdk_rejects: list[str] = field(default_factory=list)


def compare(bases: list[Base], seeds: list[int]) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        for base in bases:
            text = base.path.read_bytes().decode("utf-8")
            before = sdk_outcome(text, base.path.name)
            if before[0] == "raised":
                tally.bases_sdk_rejects.append(f"{base.id} ({before[1]})")
            for m in mutants(base, seeds=seeds):
                op = m.expected["operator"]
                counts = tally.by_op.setdefault(op, Counter())
                sdk = sdk_outcome(m.text, m.name) != before
                ours = any(f.severity.value == "error" for f in check_mutant(base, m, Path(tmp)))
                tally.mutants += 1
                tally.sdk += sdk
                tally.ours += ours
                counts["mutants"] += 1
                counts["sdk"] += sdk
                counts["ours"] += ours
                if sdk and not ours:
                    tally.sdk_only.append(m.name)
    return tally


def report(tally: Tally) -> str:
    import openai

    lines = [
        f"openai {openai.__version__}: {tally.mutants} mutants; "
        f"SDK catches {tally.sdk}, responses-validator catches {tally.ours}",
        "",
        f"{'operator':<28}{'mutants':>8}{'sdk':>6}{'ours':>6}",
    ]
    for op, c in tally.by_op.items():
        lines.append(f"{op:<28}{c['mutants']:>8}{c['sdk']:>6}{c['ours']:>6}")
    if tally.sdk_only:
        lines += ["", "caught by the SDK only: " + ", ".join(tally.sdk_only)]
    if tally.bases_sdk_rejects:
        lines += ["", "originals the SDK already rejects: " + ", ".join(tally.bases_sdk_rejects)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per operator and file")
    parser.add_argument("--no-shared", action="store_true", help="only our own transcripts")
    args = parser.parse_args(argv)
    bases = own_bases() + ([] if args.no_shared else shared_bases())
    print(report(compare(bases, list(range(args.seeds)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
