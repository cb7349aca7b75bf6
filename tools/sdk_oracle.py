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
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.detection_matrix import Base, check_mutant, mutants, own_bases, shared_bases  # noqa: E402

if TYPE_CHECKING:
    from validator.model.findings import Finding
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


# ---------------------------------------------------------------------------- the differential check
#
# The SDK as a second opinion: openai-python >= 3.31 raises on lifecycle violations itself, and
# what it raises is what a client of it sees. So over every stream we hold, whenever its stream
# accumulator raises, the validator (openai profile) must report at least one error.

#: What the SDK raises and where, read from the pinned openai-python's
#: ``lib/streaming/responses/_responses.py``: message prefix -> the rules that report that defect.
#: The rules' docs name the message (tests/test_sdk_differential.py checks both directions).
SDK_MESSAGES: dict[str, tuple[str, ...]] = {
    "Expected to have received `response.created` before": ("RSP206",),
    "Lifecycle response identity changed.": ("RSP211",),
    "Duplicate response output index": ("RSP221", "RSP208"),
    "Received a content event for output index": ("RSP220",),
    "Completed output item identity changed.": ("RSP225",),
    "Response snapshot has conflicting output identities.": ("RSP222", "RSP304"),
    "Completed response output identity changed.": ("RSP305", "RSP304"),
    "Cannot complete response with unfinished output items.": ("RSP228", "RSP305"),
}


@dataclass
class Disagreement:
    name: str
    sdk: str  #: what the SDK raised
    ours: list[str]  #: the rules we reported (no error among them)


def sdk_raises(text: str, name: str = "") -> str | None:
    """What the SDK's stream accumulator raises on a transcript, read as its ``Stream`` reads it
    (each event built leniently, by ``construct_type``); None when it accepts the stream.

    An ``error`` event makes the ``Stream`` raise ``APIError``: that is the SDK delivering a server
    error the stream reports correctly, not the SDK noticing a defect, so it is not counted. A
    stream with no terminal event at all makes ``get_final_response`` raise.
    """
    from openai._models import construct_type
    from openai.lib.streaming.responses import ResponseStreamState
    from openai.types.responses import ResponseStreamEvent

    state: Any = ResponseStreamState(input_tools=omit_value(), text_format=omit_value())
    models = _models()
    terminal = False
    try:
        for payload in _payloads(text, name):
            if payload.startswith("[DONE]"):
                break
            data = json.loads(payload)
            if isinstance(data, dict) and (data.get("type") == "error" or data.get("error")):
                return None  # APIError: the server's error, delivered
            if isinstance(data, dict) and data.get("type") in _TERMINAL:
                terminal = True
            model = models.get(data.get("type")) if isinstance(data, dict) else None
            # The union member named by `type`, as the union's discriminator picks it (a tenth of
            # the cost of letting construct_type try the whole union).
            state.handle_event(construct_type(type_=model or ResponseStreamEvent, value=data))
    except Exception as exc:  # the point: any exception is what a client of the SDK sees
        return f"{type(exc).__name__}: {exc}"[:200]
    if not terminal:
        return "RuntimeError: Didn't receive a `response.completed` event."
    return None


_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


def _payloads(text: str, name: str) -> Iterator[str]:
    """Each event's payload text, as the SDK's SSE decoder (or a JSONL / JSON-array reader) gives it."""
    if name.endswith(".json"):
        try:
            events = json.loads(text)
        except ValueError:
            yield text
            return
        yield from (json.dumps(e) for e in (events if isinstance(events, list) else [events]))
        return
    t = mutate.parse(text, name=name)
    for frame in t.frames:
        payload = mutate.payload_text(frame.lines, t.format)
        if payload is not None:
            yield payload


def omit_value() -> Any:
    from openai import omit

    return omit


def our_verdict(path: Path, text: str, options: dict[str, Any]) -> list[Finding]:
    from validator.engine import CheckOptions, check_bytes

    opts = {k: v for k, v in options.items() if k in ("strict", "input_format")}
    return check_bytes(text.encode("utf-8"), path.name, CheckOptions(profile="openai", **opts)).findings


def differential_streams(include_shared: bool = True) -> list[tuple[Path, dict[str, Any]]]:
    """Every stream transcript we hold (corpus/, and the shared captures), with its sidecar options.

    Left out, each for a reason: WebSocket sessions (a connection of several responses; the SDK's
    stream accumulator reads one), fragments and resumed streams (excerpts by design), and
    open-responses transcripts (the SDK is the openai profile's client).
    """
    from tools.detection_matrix import _sidecar

    found: list[tuple[Path, dict[str, Any]]] = []
    roots = [CORPUS_DIR]
    if include_shared and SHARED_DIR.is_dir():
        roots.append(SHARED_DIR)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".sse", ".jsonl", ".json") or path.name.endswith(".expected.json"):
                continue
            if path.name == "INDEX.tsv" or not path.is_file():
                continue
            side = (
                (_sidecar(path) or {})
                if root == CORPUS_DIR
                else (_sidecar(CORPUS_DIR / "real" / path.name) or {})
            )
            options = dict(side.get("options") or {})
            if root == CORPUS_DIR and path.parent.name in ("rules",):
                continue
            if (
                options.get("input_format") in ("websocket", "cassette", "har")
                or path.parent.name == "websocket"
            ):
                continue
            if (
                options.get("fragment")
                or options.get("resumed")
                or options.get("profile") == "open-responses"
            ):
                continue
            if options.get("protocol", "responses") != "responses" or not _is_responses(path):
                continue  # another protocol's transcripts (Anthropic Messages, Chat Completions)
            found.append((path, options))
    return found


def _is_responses(path: Path) -> bool:
    from validator.protocols import HEAD_BYTES, detect

    with path.open("rb") as fh:
        return detect(fh.read(HEAD_BYTES)).name == "responses"


def _rule_examples() -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for side in sorted((CORPUS_DIR / "rules").glob("*/bad.expected.json")):
        options = json.loads(side.read_text(encoding="utf-8")).get("options") or {}
        if options.get("input_format") or options.get("fragment") or options.get("resumed"):
            continue
        if options.get("profile") == "open-responses":
            continue
        if not side.parent.name.startswith("RSP"):
            continue  # another protocol's rule
        for path in sorted(side.parent.glob("*.sse")):
            out.append((path, options))
    return out


CORPUS_DIR = ROOT / "corpus"
SHARED_DIR = (
    Path(__import__("os").environ.get("RESPONSES_VALIDATOR_SHARED", ROOT.parent / "shared")) / "corpus"
)


Job = tuple[str, str, str, dict[str, Any]]  #: (name, text, path, options)


def differential_jobs(include_shared: bool = True, seeds: tuple[int, ...] = (0, 1)) -> Iterator[Job]:
    """Every stream the differential reads: our transcripts, the shared captures, and the mutants the
    suite makes of both (tests/test_mutation_detection.py: seeds 0 and 1)."""
    from tools.detection_matrix import mutants, own_bases, shared_bases

    for path, options in [*differential_streams(include_shared), *_rule_examples()]:
        yield str(path), path.read_text(encoding="utf-8", errors="replace"), str(path), options
    bases = own_bases() + (shared_bases() if include_shared else [])
    for base in bases:
        if base.profile != "openai" or base.options.get("fragment") or base.options.get("resumed"):
            continue
        for m in mutants(base, seeds=seeds):
            if m.expected.get("profile", "openai") == "openai":
                yield m.name, m.text, m.name, base.options


def judge(job: Job) -> tuple[str | None, list[tuple[str, str]]]:
    """(what the SDK raised, or None; the (rule, severity) we report when it raised). A resumed
    stream (RSP217) counts as accepted: the SDK reads it through its resume path."""
    import warnings

    name, text, path, options = job
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydantic's serializer warnings on lenient models
        sdk = sdk_raises(text, name)
    if sdk is None:
        return None, []
    found = [(f.rule, f.severity.value) for f in our_verdict(Path(path), text, options)]
    if any(rule == "RSP217" for rule, _ in found):
        return None, []
    return sdk, found


@dataclass
class Differential:
    checked: int = 0
    raised: int = 0
    misses: list[Disagreement] = field(default_factory=list)
    #: (SDK message, rule) -> how often that rule reported an error where the SDK raised that.
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, name: str, sdk: str | None, found: list[tuple[str, str]]) -> None:
        self.checked += 1
        if sdk is None:
            return
        self.raised += 1
        key = next((m for m in SDK_MESSAGES if m in sdk), sdk.split(":", 1)[0])
        errors = sorted({rule for rule, severity in found if severity == "error"})
        self.pairs.update((key, rule) for rule in errors)
        if not errors:
            self.misses.append(Disagreement(name, sdk, sorted({rule for rule, _ in found})))


def differential(
    include_shared: bool = True, seeds: tuple[int, ...] = (0, 1), workers: int = 2
) -> Differential:
    """Run the SDK over every stream of :func:`differential_jobs`, in ``workers`` processes."""
    result = Differential()
    jobs = differential_jobs(include_shared, seeds)
    if workers <= 1:
        for job in jobs:
            result.add(job[0], *judge(job))
        return result
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        names: list[str] = []

        def named() -> Iterator[Job]:
            for job in jobs:
                names.append(job[0])
                yield job

        for name_index, verdict in enumerate(pool.imap(judge, named(), chunksize=16)):
            result.add(names[name_index], *verdict)
    return result
