#!/usr/bin/env python3
"""Write our transcripts of the protocol as sent today (CHANGES-2026-12.md), with their sidecars.

* ``corpus/websocket/*.jsonl``: WebSocket sessions with steering. Each is a whole connection as a
  client records it (one text frame a line, the client's ``response.create`` / ``response.steer``
  and the server's messages), valid under openai-python 3.63.0's steering semantics, so each
  sidecar expects no finding. The defects of the connection machine have their own bad/good
  pairs in ``corpus/rules/RSP401``-``RSP406``.
* ``corpus/codex/*.sse``: what the Codex backend sends its clients, checked in the codex profile
  (clean) and in the openai profile (its departures, each named).
* ``corpus/implementers/*``: one transcript per implementer defect of CHANGES-2026-12.md §4, built
  the way the report describes it; the builder fails unless the rules the report maps it to are
  among the findings, and the sidecar records every finding (review its diff).

    python tools/build_protocol_corpus.py            # (re)write them
    python tools/build_protocol_corpus.py --check    # exit 1 when a file differs
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "websocket"
CODEX = ROOT / "corpus" / "codex"
IMPLEMENTERS = ROOT / "corpus" / "implementers"
sys.path.insert(0, str(ROOT))

from tools.rule_examples.responses.connection import (  # noqa: E402
    client_steer,
    steer_accepted,
    steer_failed,
    steer_pending,
    steered_session,
    successor_response,
)
from tools.rule_examples.responses.streams import (  # noqa: E402
    ANSWER,
    MODEL,
    Ctx,
    Ev,
    completed,
    created,
    failed,
    final_message,
    function_response,
    in_progress,
    message_events,
    pick,
    reasoning_events,
    render,
    snapshot,
    text_response,
    usage,
)
from tools.rule_examples.responses.transport import (  # noqa: E402
    QUESTION,
    client_create,
    numbered,
    render_ws,
)


def accepted_steered_successor() -> list[Ev]:
    """The steer is accepted in flight; the response ends incomplete (steered); its successor follows."""
    return steered_session("ws-accepted")[2]


def pending_after_completed() -> list[Ev]:
    """A function call completes while a steer is queued: pending after response.completed, then the
    client's continuation (the saved tool result, same previous_response_id) commits it."""
    a, first = function_response("ws-pending")
    call_id = next(e.payload["item"]["call_id"] for e in first if e.type == "response.output_item.added")
    first.insert(3, steer_accepted(a))
    first = numbered(first)
    pending = steer_pending(a, call_id)
    pending.seq = len(first)  # after the terminal event: it belongs to no response
    output = {"type": "function_call_output", "call_id": call_id, "output": '{"temperature": 18}'}
    cont = client_create(model=MODEL, previous_response_id=a.resp_id, input=[output])
    _b, second = successor_response("ws-pending-continuation", a)
    return [
        client_create(model=MODEL, input="What is the weather in Paris?"),
        *first[:3],
        client_steer(a.resp_id),
        *first[3:],
        pending,
        cont,
        *numbered(second),
    ]


def failed_after_completed() -> list[Ev]:
    """The steer arrives after the response completed: failed, no id allocated, the input returned."""
    a, first = text_response("ws-failed")
    failed = steer_failed(a, "response_already_completed", "The response has already completed.")
    failed.seq = len(first)
    return [
        client_create(model=MODEL, input=QUESTION),
        *numbered(first),
        client_steer(a.resp_id),
        failed,
    ]


def successor_after_completed() -> list[Ev]:
    """The response completes normally with the steer queued; an automatic successor commits it."""
    a, first = text_response("ws-auto")
    first.insert(3, steer_accepted(a))
    first = numbered(first)
    _, second = successor_response("ws-auto-successor", a)
    return [
        client_create(model=MODEL, input=QUESTION),
        *first[:3],
        client_steer(a.resp_id),
        *first[3:],
        *numbered(second),
    ]


SESSIONS: dict[str, tuple[Callable[[], list[Ev]], str]] = {
    "steer_accepted_steered_successor": (
        accepted_steered_successor,
        accepted_steered_successor.__doc__ or "",
    ),
    "steer_pending_after_completed": (pending_after_completed, pending_after_completed.__doc__ or ""),
    "steer_failed_after_completed": (failed_after_completed, failed_after_completed.__doc__ or ""),
    "automatic_successor_after_completed": (
        successor_after_completed,
        successor_after_completed.__doc__ or "",
    ),
}


RATE_LIMITS = {
    "type": "codex.rate_limits",
    "rate_limits": {
        "primary": {"used_percent": 12.0, "window_minutes": 300, "resets_in_seconds": 9000},
        "secondary": None,
    },
}


def codex_wire() -> list[Ev]:
    """A Codex backend answer: codex.rate_limits before response.created, text frames without
    output_index, and response.done with a partial payload (id, status, usage) as its terminal."""
    ctx = Ctx("codex-wire")
    item_id = ctx.id("msg")
    body = message_events(ctx, 0, item_id, ANSWER)
    for e in body:
        if e.type in ("response.output_text.delta", "response.output_text.done"):
            assert e.payload is not None
            del e.payload["output_index"]
    done = snapshot(ctx, "completed", [final_message(item_id, "".join(ANSWER))], usage=usage(14, 4))
    partial = {k: done[k] for k in ("id", "object", "created_at", "status", "model", "usage")}
    return [
        Ev(dict(RATE_LIMITS), seq=None),
        created(ctx),
        in_progress(ctx),
        *body,
        Ev({"type": "response.done", "response": partial}),
    ]


#: name -> (build, sidecars: suffix -> options)
CODEX_STREAMS: dict[str, tuple[Callable[[], list[Ev]], dict[str, dict[str, str]]]] = {
    "codex_wire": (codex_wire, {"": {"profile": "codex"}, ".openai": {}}),
}


def _sidecar(
    transcript: str,
    options: dict[str, Any],
    result: Any,
    build: Callable[[], Any],
    source: str = "",
    severities: bool = False,
    **extra: Any,
) -> bytes:
    """The sidecar: every finding the validator reports (a review of its diff is the review of them),
    with its severity if asked (the key set tools/update_expected.py then keeps)."""
    provenance = {
        "source": f"tools/build_protocol_corpus.py {source}".strip(),
        "note": " ".join((build.__doc__ or "").split()),
        **extra,
    }
    sidecar = {
        "transcript": transcript,
        "options": options,
        # A grouped finding's repeats too, as tools/update_expected.py writes them.
        "findings": [
            {
                "rule": f.rule,
                "line": f.line,
                **({"severity": f.severity.value} if severities else {}),
                **({"repeats": [r.line for r in f.related]} if f.related else {}),
            }
            for f in result.findings
        ],
        "provenance": provenance,
    }
    return (json.dumps(sidecar, indent=2) + "\n").encode()


def _codex_files() -> dict[Path, bytes]:
    from validator.engine import CheckOptions, check_bytes

    out: dict[Path, bytes] = {}
    for name, (build, sidecars) in CODEX_STREAMS.items():
        data = render(build(), None).data
        out[CODEX / f"{name}.sse"] = data
        for suffix, options in sidecars.items():
            result = check_bytes(data, f"{name}.sse", CheckOptions(**options))
            out[CODEX / f"{name}{suffix}.expected.json"] = _sidecar(f"{name}.sse", options, result, build)
    return out


# ---------------------------------------------------------------- implementer defects (§4)


def _without(evs: list[Ev], *types: str) -> list[Ev]:
    return [e for e in evs if e.type not in types]


def vllm_tool_tail_aborts() -> list[Ev]:
    """vLLM PR #52418: the tool-call argument tail interleaved with reasoning aborts the stream; the
    function_call item has no name."""
    _a, evs = function_response("impl-vllm-52418")
    added = pick(evs, "response.output_item.added")
    assert added.payload is not None
    del added.payload["item"]["name"]
    cut = [i for i, e in enumerate(evs) if e.type == "response.function_call_arguments.delta"][2]
    return evs[:cut]


def vllm_zero_delta_items() -> list[Ev]:
    """vLLM issue #48274: an item with no deltas is never announced (no output_item.added/.done) but is in
    the terminal output."""
    _a, evs = function_response("impl-vllm-48274")
    return _without(
        evs,
        "response.output_item.added",
        "response.output_item.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
    )


def vllm_content_index_not_reset() -> list[Ev]:
    """vLLM PR #47185 (#45742): content_index is not reset for the second message item."""
    ctx = Ctx("impl-vllm-47185")
    one, two = ctx.id("msg", "1"), ctx.id("msg", "2")
    second = message_events(ctx, 1, two, ["Lyon", " is second."])
    for e in second:
        if e.payload is not None and "content_index" in e.payload:
            e.payload["content_index"] = 1
    return [
        created(ctx),
        in_progress(ctx),
        *message_events(ctx, 0, one, ANSWER),
        *second,
        completed(
            ctx,
            [final_message(one, "".join(ANSWER)), final_message(two, "Lyon is second.")],
            usage(14, 7),
        ),
    ]


def trtllm_ids_disagree() -> list[Ev]:
    """TensorRT-LLM #19223: the item id and call id in the stream disagree with the terminal response."""
    _a, evs = function_response("impl-trtllm-19223")
    done = evs[-1]
    assert done.payload is not None
    item = done.payload["response"]["output"][0]
    item["id"], item["call_id"] = "fc_terminal", "call_terminal"
    return evs


def sub2api_dropped_sequence_numbers() -> list[Ev]:
    """Sub2API #7128: response.created's sequence_number 0 dropped by omitempty, and a synthesized
    response.failed without one."""
    ctx = Ctx("impl-sub2api-7128")
    item_id = ctx.id("msg")
    body = message_events(ctx, 0, item_id, ANSWER)[:4]
    evs = [created(ctx), in_progress(ctx), *body]
    evs[0].seq = None
    for n, e in enumerate(evs[1:], start=1):
        e.seq = n
    err = {"code": "upstream_error", "message": "upstream connection reset"}
    return [*evs, Ev(failed(ctx, err).payload, seq=None)]


def bedrock_typeless_error() -> list[Ev]:
    """AWS Bedrock Mantle (vercel/ai PR #20505): a typeless {"message": ...} frame mid-stream, after
    content, with no sequence_number, and nothing after it."""
    ctx = Ctx("impl-bedrock-20505")
    body = message_events(ctx, 0, ctx.id("msg"), ANSWER)[:4]
    return [
        created(ctx),
        in_progress(ctx),
        *body,
        Ev({"message": "ThrottlingException: Too many requests"}, name="error", seq=None),
    ]


def agentgateway_empty_output() -> list[Ev]:
    """agentgateway PR #3326: chat-to-Responses bridge with terminal output [], no output_text.done, and
    created_at not preserved in the terminal snapshot."""
    _ctx, evs = text_response("impl-agentgateway-3326")
    evs = _without(evs, "response.output_text.done")
    done = evs[-1]
    assert done.payload is not None
    done.payload["response"]["output"] = []
    done.payload["response"]["created_at"] += 7
    return evs


def praxis_replayed_done() -> list[Ev]:
    """praxis-proxy #985: a replayed output_item.done duplicates the item."""
    _ctx, evs = text_response("impl-praxis-985")
    at = next(i for i, e in enumerate(evs) if e.type == "response.output_item.done")
    evs.insert(at + 1, Ev(copy.deepcopy(evs[at].payload)))
    return evs


def gomodel_sequence_gaps() -> list[Ev]:
    """GoModel PR #953: guardrail edits leave sequence_number gaps [0,1,2,3,4,24,54, ...]."""
    _ctx, evs = text_response("impl-gomodel-953")
    numbers = [0, 1, 2, 3, 4, 24, 54]
    for n, e in enumerate(evs):
        e.seq = numbers[n] if n < len(numbers) else numbers[-1] + n - len(numbers) + 1
    return evs


def lemonade_no_indices() -> list[Ev]:
    """Lemonade (llama.cpp) #3607: no output_index or content_index on the item and text events."""
    _ctx, evs = text_response("impl-lemonade-3607")
    for e in evs:
        if e.payload is not None and e.type not in (
            "response.created",
            "response.in_progress",
            "response.completed",
        ):
            e.payload.pop("output_index", None)
            e.payload.pop("content_index", None)
    return evs


def gateway_steer_as_create() -> list[Ev]:
    """CLIProxyAPI PR #5775 / opencodex PR #4782: the gateway turns response.steer into a new request
    and relays no steer outcome: the second response starts as the first one's successor while the
    client's steer was never answered."""

    a, first = text_response("impl-gw-steer")
    _b, second = successor_response("impl-gw-steer-b", a)
    first, second = numbered(first), numbered(second)
    return [
        client_create(model=MODEL, input=QUESTION),
        *first[:3],
        client_steer(a.resp_id),
        *first[3:],
        *second,
    ]


def agentic_api_no_steering() -> list[Ev]:
    """vLLM Agentic API #333: steering not implemented: the response runs on, then the server reports a
    steer accepted after the response completed and never starts the successor it promises."""

    a, first = text_response("impl-agentic-333")
    first = numbered(first)
    late = steer_accepted(a)
    late.seq = len(first)
    return [client_create(model=MODEL, input=QUESTION), *first[:3], client_steer(a.resp_id), *first[3:], late]


def litellm_reasoning_bridge() -> list[Ev]:
    """LiteLLM PR #38654: summary_index omitted when 0 (exclude-defaults), and the message item opened
    before the reasoning item is done (Codex tracks one active item and drops the text)."""
    ctx = Ctx("impl-litellm-38654")
    rid, mid = ctx.id("rs"), ctx.id("msg")
    reasoning = reasoning_events(ctx, 0, rid, ["Capital", " of France."], drop_summary_index=True)
    message = message_events(ctx, 1, mid, ANSWER)
    reasoning_done = reasoning.pop()
    done_item = reasoning_done.payload["item"] if reasoning_done.payload else {}
    return [
        created(ctx),
        in_progress(ctx),
        *reasoning,
        message[0],  # the message is added while the reasoning item is still open
        reasoning_done,
        *message[1:],
        completed(ctx, [done_item, final_message(mid, "".join(ANSWER))], usage(14, 9)),
    ]


def litellm_reasoning_undeclared() -> list[Ev]:
    """LiteLLM PR #38654: the reasoning item is never declared: its summary part and deltas stream
    with no output_item.added before them (reasoning deltas need an added reasoning item)."""
    ctx = Ctx("impl-litellm-38654-undeclared")
    rid, mid = ctx.id("rs"), ctx.id("msg")
    reasoning = reasoning_events(ctx, 0, rid, ["Capital", " of France."])
    done_item = reasoning[-1].payload["item"] if reasoning[-1].payload else {}
    return [
        created(ctx),
        in_progress(ctx),
        *reasoning[1:],  # no response.output_item.added for the reasoning item
        *message_events(ctx, 1, mid, ANSWER),
        completed(ctx, [done_item, final_message(mid, "".join(ANSWER))], usage(14, 9)),
    ]


def cliproxy_no_done_events() -> list[Ev]:
    """CLIProxyAPI #4860: a chat upstream without finish_reason: no .done events at all, yet
    response.completed arrives (Codex drops the reply)."""
    _ctx, evs = text_response("impl-cliproxy-4860")
    return _without(
        evs, "response.output_text.done", "response.content_part.done", "response.output_item.done"
    )


def openai_arguments_done_without_name() -> list[Ev]:
    """OpenAI API (openai-java #682 / PR #734): function_call_arguments.done without name: valid, as
    openai-python 3.9.0 removed the field (no finding, even with --strict)."""
    _a, evs = function_response("impl-openai-682")
    for e in evs:
        if e.type == "response.function_call_arguments.done" and e.payload is not None:
            e.payload.pop("name", None)
    return evs


#: name -> (build, format, options, rules the report maps it to: each must be found)
IMPLEMENTER_DEFECTS: dict[str, tuple[Callable[[], list[Ev]], str, dict[str, Any], frozenset[str]]] = {
    "vllm_52418_tool_tail_aborts": (
        vllm_tool_tail_aborts,
        "sse",
        {},
        frozenset({"RSP103", "RSP209", "RSP228"}),
    ),
    "vllm_48274_zero_delta_items": (vllm_zero_delta_items, "sse", {}, frozenset({"RSP305"})),
    "vllm_47185_content_index_not_reset": (vllm_content_index_not_reset, "sse", {}, frozenset({"RSP241"})),
    "trtllm_19223_ids_disagree": (trtllm_ids_disagree, "sse", {}, frozenset({"RSP305"})),
    "sub2api_7128_dropped_sequence_numbers": (
        sub2api_dropped_sequence_numbers,
        "sse",
        {},
        frozenset({"RSP201"}),
    ),
    "bedrock_20505_typeless_error": (bedrock_typeless_error, "sse", {}, frozenset({"RSP101", "RSP209"})),
    "agentgateway_3326_empty_output": (agentgateway_empty_output, "sse", {}, frozenset({"RSP305", "RSP247"})),
    "praxis_985_replayed_done": (praxis_replayed_done, "sse", {}, frozenset({"RSP226"})),
    "gomodel_953_sequence_gaps": (gomodel_sequence_gaps, "sse", {}, frozenset({"RSP204"})),
    "lemonade_3607_no_indices": (lemonade_no_indices, "sse", {}, frozenset({"RSP103"})),
    "gateway_5775_steer_as_create": (
        gateway_steer_as_create,
        "ws",
        {"input_format": "websocket"},
        frozenset({"RSP407"}),
    ),
    "agentic_api_333_no_steering": (
        agentic_api_no_steering,
        "ws",
        {"input_format": "websocket"},
        frozenset({"RSP403"}),
    ),
    "litellm_38654_reasoning_bridge": (
        litellm_reasoning_bridge,
        "sse",
        {},
        frozenset({"RSP103", "RSP235"}),
    ),
    "litellm_38654_reasoning_undeclared": (litellm_reasoning_undeclared, "sse", {}, frozenset({"RSP220"})),
    "cliproxy_4860_no_done_events": (cliproxy_no_done_events, "sse", {}, frozenset({"RSP228"})),
    "openai_682_arguments_done_without_name": (
        openai_arguments_done_without_name,
        "sse",
        {"strict": True},
        frozenset(),
    ),
}


#: Defects whose clients are a profile of their own: name -> that profile. The sidecar
#: ``<name>.<profile>.expected.json`` pins each finding's severity there.
PROFILE_SIDECARS: dict[str, str] = {
    # Codex clients are the ones that drop the message's text: RSP235 is an error there.
    "litellm_38654_reasoning_bridge": "codex",
}


def _implementer_files() -> dict[Path, bytes]:
    from validator.engine import CheckOptions, check_bytes

    out: dict[Path, bytes] = {}
    for name, (build, fmt, options, must) in IMPLEMENTER_DEFECTS.items():
        ext = "jsonl" if fmt == "ws" else "sse"
        data = render_ws(build()).data if fmt == "ws" else render(build(), None).data
        if fmt == "ws":
            from validator.engine.websocket import check_websocket

            result = check_websocket(data, f"{name}.{ext}", CheckOptions(**options))
        else:
            result = check_bytes(data, f"{name}.{ext}", CheckOptions(**options))
        rules = {f.rule for f in result.findings}
        if not must <= rules or (not must and rules):
            raise SystemExit(f"{name}: expected {sorted(must)} among the findings, got {sorted(rules)}")
        out[IMPLEMENTERS / f"{name}.{ext}"] = data
        out[IMPLEMENTERS / f"{name}.expected.json"] = _sidecar(
            f"{name}.{ext}", options, result, build, source="(CHANGES-2026-12.md §4)", rules=sorted(must)
        )
        if name in PROFILE_SIDECARS:
            profile = PROFILE_SIDECARS[name]
            more = {**options, "profile": profile}
            result = check_bytes(data, f"{name}.{ext}", CheckOptions(**more))
            out[IMPLEMENTERS / f"{name}.{profile}.expected.json"] = _sidecar(
                f"{name}.{ext}",
                more,
                result,
                build,
                source="(CHANGES-2026-12.md §4)",
                severities=True,
                rules=sorted(must),
            )
    return out


def files() -> dict[Path, bytes]:
    out: dict[Path, bytes] = {**_codex_files(), **_implementer_files()}
    for name, (build, about) in SESSIONS.items():
        rendered = render_ws(build())
        sidecar = {
            "transcript": f"{name}.jsonl",
            "options": {"input_format": "websocket"},
            "findings": [{"rule": r, "line": line} for r, line in rendered.findings],
            "provenance": {"source": "tools/build_protocol_corpus.py", "note": " ".join(about.split())},
        }
        out[OUT / f"{name}.jsonl"] = rendered.data
        out[OUT / f"{name}.expected.json"] = (json.dumps(sidecar, indent=2) + "\n").encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = {p: d for p, d in files().items() if not p.exists() or p.read_bytes() != d}
    if args.check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)}")
        return 1 if stale else 0
    for p, d in stale.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(d)
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
