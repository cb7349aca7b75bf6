"""Compare with the openai SDK: how many mutants does a strict SDK client notice, and how many do we?

The oracle reads a transcript the way openai-python's ``Stream`` does (stop at ``[DONE]``,
``json.loads`` each payload, raise on a payload whose top-level ``error`` is truthy), validates every
event strictly against its ``ResponseStreamEvent`` member model (pydantic ``strict=True``, the member
chosen by ``type`` as the union's discriminator would), feeds it to the SDK's own accumulator
(``openai.lib.streaming.responses.ResponseStreamState``, the engine of ``responses.stream()``), and
takes its final response. The SDK *catches* a mutant when it meets a validation error the original
did not have, raises where the original did not, or ends with a different final response (or none):
a client could see any of these.

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
from validator.tools.mutate import operators as mutate  # noqa: E402

#: What the SDK did with a transcript: the strict-validation errors it met (as a sorted tuple of
#: signatures, so that dropping or inserting an unrelated event does not change it) and how the
#: accumulator ended: ("raised", exception type) or ("final", final response JSON).
Outcome = tuple[tuple[str, ...], str, str]


@cache
def _models() -> dict[str, Any]:
    """Event type -> its pydantic model, from the members of ``ResponseStreamEvent``."""
    from typing import get_args

    from openai.types.responses import ResponseStreamEvent

    union = get_args(ResponseStreamEvent)[0]
    return {get_args(m.model_fields["type"].annotation)[0]: m for m in get_args(union)}


def _strict(data: Any) -> tuple[Any, list[str]]:
    """Validate one event strictly; on failure build it the SDK's lenient way, as its Stream does."""
    from openai._models import construct_type
    from openai.types.responses import ResponseStreamEvent
    from pydantic import ValidationError

    typ = data.get("type") if isinstance(data, dict) else None
    model = _models().get(typ) if isinstance(typ, str) else None
    if model is None:
        return construct_type(type_=ResponseStreamEvent, value=data), [f"{typ}: unknown event type"]
    try:
        return model.model_validate(data, strict=True), []
    except ValidationError as exc:
        problems = [f"{typ}: {'.'.join(map(str, e['loc']))} {e['type']}" for e in exc.errors()]
        return construct_type(type_=ResponseStreamEvent, value=data), problems


def sdk_outcome(text: str, name: str = "") -> Outcome:
    """Run the SDK's parsing and accumulation over a transcript; never raises."""
    from openai import omit
    from openai.lib.streaming.responses import ResponseStreamState

    state: Any = ResponseStreamState(input_tools=omit, text_format=omit)
    t = mutate.parse(text, name=name)
    problems: list[str] = []
    try:
        for frame in t.frames:
            payload = mutate.payload_text(frame.lines, t.format)
            if payload is None:
                continue
            if payload.startswith("[DONE]"):
                break
            data = json.loads(payload)
            if isinstance(data, dict) and data.get("error"):
                raise RuntimeError("APIError")  # openai._streaming.Stream raises on a truthy error
            event, found = _strict(data)
            problems += found
            state.handle_event(event)
    except Exception as exc:  # the oracle's point: any exception is the SDK noticing
        return tuple(sorted(problems)), "raised", f"{type(exc).__name__}: {exc}"[:200]
    # ResponseStream.get_final_response() returns exactly this (or raises when it is None).
    final = state._completed_response
    return (
        tuple(sorted(problems)),
        "final",
        final.model_dump_json(warnings=False) if final is not None else "",
    )


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
            if before[0] or before[1] == "raised":
                tally.bases_sdk_rejects.append(base.id)
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
        lines += [
            "",
            f"{len(tally.bases_sdk_rejects)} originals already fail strict SDK parsing (typically "
            "usage.input_tokens_details.cache_write_tokens, which captures predate); a mutant counts as "
            "caught only when the SDK's errors or final response differ from the original's.",
        ]
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
