"""Benchmark: how fast and how lean is a full check, against the parse floor and the openai SDK.

Run by hand, never by the test suite::

    python bench/bench.py                 # 100 MB transcript
    python bench/bench.py --size-mb 1000  # 1 GB: the memory target
    python bench/bench.py --protocol anthropic   # a 100 MB Anthropic Messages stream
    python bench/bench.py --protocol chat # a 100 MB Chat Completions transcript

It generates a realistic transcript (one long response: messages, function calls and
reasoning items, token-sized deltas with `obfuscation` padding as OpenAI sends them, a
terminal response whose output holds every item), then runs, each in its own process so
peak RSS is its own:

* floor: ``orjson.loads`` of every ``data:`` line (no checking at all);
* sdk: the openai SDK's typed parse of every event (pydantic ``TypeAdapter`` over
  ``openai.types.responses.ResponseStreamEvent``; with ``--protocol anthropic``, anthropic-python's
  ``RawMessageStreamEvent``), if the SDK is installed;
* check: ``llm-stream-validator check`` (reader, schemas, state machine, consistency);
* base: with ``--baseline-tree DIR`` (a checkout of an earlier commit, e.g. made with
  ``git worktree add DIR REV``), the same check run from that tree's ``validator`` package, so
  that a change's cost shows side by side with the code before it. With it, both checks run as
  ``python -P -m validator`` from their own tree, started the same way;
* html: ``llm-stream-validator check --format html`` (the same check drawing the stream's outline,
  then the report), after which the report's size is printed and the time Debian's chromium
  (headless, driven by playwright) takes to open it and draw its timeline, if both are installed.

and prints MB/s, seconds, CPU seconds (user + system) and peak RSS side by side. Each job runs
``--repeat`` times (3 by default), floor and check interleaved and the SDK's runs last, and the
table gives the median time with the fastest and slowest run: on a shared machine one run can be
a fifth off, and the ratio to the floor should not hang on it (the CPU time, much less affected
by other load, is the steadier ratio there).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from validator.tools.probe.streamkit import (
    function_call_events,
    message_events,
    response_snapshot,
    sse_frame,
    usage,
)

HERE = Path(__file__).resolve().parent
WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "streaming",
    "tokens",
    "arrive",
    "one",
    "by",
    "one",
]


def _sse(out: list[str], seq: list[int], event: dict) -> None:
    # The transcript carries sequence_number last (it was appended to each event when written).
    out.append(sse_frame({**event, "sequence_number": seq[0]}))
    seq[0] += 1


def _obf(rng: random.Random) -> str:
    return "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789") for _ in range(rng.randint(4, 14))
    )


# The snapshot the transcript was first written with: no completed_at in its place (the final
# response appends it) and none of these later wire keys.
_NOT_IN_BENCH = (
    "completed_at",
    "frequency_penalty",
    "presence_penalty",
    "prompt_cache_key",
    "prompt_cache_retention",
    "safety_identifier",
)


def _response(rid: str, status: str, output: list, usage: dict | None) -> dict:
    return response_snapshot(
        rid,
        status,
        created_at=1762527468,
        model="gpt-4o-2024-08-06",
        omit=_NOT_IN_BENCH,
        output=output,
        usage=usage,
    )


def _text(rng: random.Random, n: int) -> list[str]:
    return [(" " if i else "") + rng.choice(WORDS) for i in range(n)]


def _emit(out: list[str], seq: list[int], events: list[dict]) -> dict:
    """Write an item's events; return the item of its output_item.done (the last event)."""
    for event in events:
        _sse(out, seq, event)
    return events[-1]["item"]


def _message(out: list[str], seq: list[int], rng: random.Random, idx: int) -> dict:
    deltas = _text(rng, rng.randint(40, 160))
    # Random padding, drawn once per delta in order: the delta itself does not matter.
    events = message_events(f"msg_{idx:08x}", idx, deltas, obfuscation=lambda i, d: _obf(rng))
    return _emit(out, seq, events)


def _function_call(out: list[str], seq: list[int], rng: random.Random, idx: int) -> dict:
    args = json.dumps({"location": " ".join(_text(rng, 8)), "unit": "celsius"})
    deltas = [args[i : i + 3] for i in range(0, len(args), 3)]
    events = function_call_events(
        f"fc_{idx:08x}",
        f"call_{idx:08x}",
        idx,
        deltas,
        name="get_weather",
        obfuscation=lambda i, d: _obf(rng),
        done_keys=("arguments", "name"),
    )
    return _emit(out, seq, events)


def _reasoning(out: list[str], seq: list[int], rng: random.Random, idx: int) -> dict:
    iid = f"rs_{idx:08x}"
    where = {"item_id": iid, "output_index": idx, "summary_index": 0}
    deltas = _text(rng, rng.randint(20, 80))
    text = "".join(deltas)
    part = {"type": "summary_text", "text": text}
    item = {"id": iid, "type": "reasoning", "summary": [part]}
    added = {"id": iid, "type": "reasoning", "summary": []}
    return _emit(
        out,
        seq,
        [
            {"type": "response.output_item.added", "output_index": idx, "item": added},
            {
                "type": "response.reasoning_summary_part.added",
                **where,
                "part": {"type": "summary_text", "text": ""},
            },
            *(
                {
                    "type": "response.reasoning_summary_text.delta",
                    **where,
                    "delta": d,
                    "obfuscation": _obf(rng),
                }
                for d in deltas
            ),
            {"type": "response.reasoning_summary_text.done", **where, "text": text},
            {"type": "response.reasoning_summary_part.done", **where, "part": part},
            {"type": "response.output_item.done", "output_index": idx, "item": item},
        ],
    )


def generate(path: Path, size_mb: int, seed: int = 7) -> int:
    """Write a valid transcript of about ``size_mb`` MB; return the number of events."""
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    rid = "resp_bench0000000000000000000000000000000000000000"
    seq = [0]
    items: list[dict] = []
    written = 0
    makers = (_reasoning, _message, _function_call, _message)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out: list[str] = []
        _sse(out, seq, {"type": "response.created", "response": _response(rid, "in_progress", [], None)})
        _sse(out, seq, {"type": "response.in_progress", "response": _response(rid, "in_progress", [], None)})
        while written < target:
            items.append(makers[len(items) % len(makers)](out, seq, rng, len(items)))
            if len(out) > 2000:
                chunk = "".join(out)
                written += len(chunk.encode())
                fh.write(chunk)
                out.clear()
        n_in, n_out = 1000, seq[0]
        final = _response(rid, "completed", items, usage(n_in, n_out, cache_write=0))
        final["completed_at"] = 1762527470
        _sse(out, seq, {"type": "response.completed", "response": final})
        fh.write("".join(out))
    return seq[0]


def generate_chat(path: Path, size_mb: int, seed: int = 7) -> int:
    """A valid Chat Completions transcript of about ``size_mb`` MB (``--protocol chat``): one
    completion streamed as token-sized content chunks with ``obfuscation`` padding, as OpenAI sends
    them, then tool calls whose arguments come in small fragments, the finish chunk, the usage chunk
    and ``[DONE]``. Returns the number of chunks."""
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    head = (
        '{"id":"chatcmpl-bench000000000000000000000000","object":"chat.completion.chunk",'
        '"created":1767225600,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0a1b2c3d4e",'
        '"choices":[{"index":0,"delta":'
    )

    def chunk(delta: dict, finish: str | None = None) -> str:
        tail = json.dumps(finish)
        body = json.dumps(delta, separators=(",", ":"))
        return (
            f'data: {head}{body},"logprobs":null,"finish_reason":{tail}}}],"obfuscation":"{_obf(rng)}"}}\n\n'
        )

    chunks = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = [chunk({"role": "assistant", "content": "", "refusal": None})]
        written = 0
        calls = 0
        while written < target:
            if chunks % 5000 == 4999:
                # Every so often a tool call, its arguments in fragments (the calls close the answer).
                calls += 1
                start = {
                    "index": calls - 1,
                    "id": f"call_{calls:024d}",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": ""},
                }
                out.append(chunk({"tool_calls": [start]}))
                words = " ".join(rng.choice(WORDS) for _ in range(40))
                text = json.dumps({"query": words, "limit": calls})
                for k in range(0, len(text), 6):
                    piece = {"index": calls - 1, "function": {"arguments": text[k : k + 6]}}
                    out.append(chunk({"tool_calls": [piece]}))
                    chunks += 1
            else:
                out.append(chunk({"content": " " + rng.choice(WORDS)}))
            chunks += 1
            if len(out) > 2000:
                text_out = "".join(out)
                written += len(text_out.encode())
                fh.write(text_out)
                out.clear()
        out.append(chunk({}, "tool_calls" if calls else "stop"))
        usage_chunk = head.replace('"choices":[{"index":0,"delta":', '"choices":[],"usage":')
        out.append(
            f'data: {usage_chunk}{{"prompt_tokens":1000,"completion_tokens":{chunks},'
            f'"total_tokens":{1000 + chunks}}}}}\n\n'
        )
        out.append("data: [DONE]\n\n")
        fh.write("".join(out))
    return chunks + 2


# ---------------------------------------------------------------- Anthropic Messages transcript


def _messages_event(out: list[str], event: dict) -> None:
    out.append(f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n")


def _messages_block(out: list[str], rng: random.Random, index: int) -> int:
    """One content block (thinking, text or tool_use in turn) with token-sized deltas; its output tokens."""
    kind = ("thinking", "text", "tool_use", "text")[index % 4]
    if kind == "thinking":
        block: dict = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": t} for t in _text(rng, rng.randint(150, 400))]
        deltas.append({"type": "signature_delta", "signature": "".join(_obf(rng) for _ in range(30))})
    elif kind == "text":
        block = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": t} for t in _text(rng, rng.randint(200, 600))]
    else:
        block = {"type": "tool_use", "id": f"toolu_01bench{index:012d}", "name": "search", "input": {}}
        args = json.dumps({"query": " ".join(_text(rng, 40)), "limit": 10})
        deltas = [
            {"type": "input_json_delta", "partial_json": args[i : i + 12]} for i in range(0, len(args), 12)
        ]
    _messages_event(out, {"type": "content_block_start", "index": index, "content_block": block})
    for delta in deltas:
        _messages_event(out, {"type": "content_block_delta", "index": index, "delta": delta})
    _messages_event(out, {"type": "content_block_stop", "index": index})
    return len(deltas)


def generate_messages(path: Path, size_mb: int, seed: int = 7) -> int:
    """Write a valid Anthropic Messages stream of about ``size_mb`` MB (one long message: thinking,
    text and tool_use blocks in turn, token-sized deltas, pings); return the number of events."""
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    usage = {
        "input_tokens": 1000,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
    }
    message = {
        "id": "msg_01bench000000000000000000",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    events = 0
    written = 0
    output_tokens = 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        out: list[str] = []
        _messages_event(out, {"type": "message_start", "message": message})
        _messages_event(out, {"type": "ping"})
        index = 0
        while written < target:
            output_tokens += _messages_block(out, rng, index)
            index += 1
            if len(out) > 2000:
                events += len(out)
                chunk = "".join(out)
                written += len(chunk.encode())
                fh.write(chunk)
                out.clear()
        # The message holds tool_use blocks: it stops for them.
        delta = {"stop_reason": "tool_use", "stop_sequence": None}
        _messages_event(
            out, {"type": "message_delta", "delta": delta, "usage": {**usage, "output_tokens": output_tokens}}
        )
        _messages_event(out, {"type": "message_stop"})
        events += len(out)
        fh.write("".join(out))
    return events


#: --protocol -> (transcript generator, the SDK's event type to parse each event with).
GENERATORS = {"responses": generate, "chat": generate_chat, "anthropic": generate_messages}


# ---------------------------------------------------------------- measured jobs (run in a child)


def job_floor(path: Path) -> None:
    import orjson

    with path.open("rb") as fh:
        for line in fh:
            if line.startswith(b"data: ") and not line.startswith(b"data: [DONE]"):
                orjson.loads(line[6:])


def job_sdk(path: Path) -> None:
    from pydantic import TypeAdapter

    protocol = os.environ.get("BENCH_PROTOCOL")
    if protocol == "anthropic":
        from anthropic.types import RawMessageStreamEvent as Event
    elif protocol == "chat":
        from openai.types.chat import ChatCompletionChunk as Event
    else:
        from openai.types.responses import ResponseStreamEvent as Event
    adapter = TypeAdapter(Event)
    # anthropic-python's stream skips `event: ping` before typing events (ping is not in its union).
    ping = b'data: {"type":"ping"}'
    with path.open("rb") as fh:
        for line in fh:
            if (
                line.startswith(b"data: ")
                and not line.startswith(ping)
                and not line.startswith(b"data: [DONE]")
            ):
                adapter.validate_json(line[6:])


def _run_check(path: Path, tree: str | None, *options: str) -> None:
    if tree is not None:
        # -P: the package comes from PYTHONPATH (the tree), not from the current directory.
        cmd = [sys.executable, "-P", "-m", "validator"]
        env = {**os.environ, "PYTHONPATH": tree}
    else:
        exe = shutil.which("llm-stream-validator") or ""
        cmd = [exe] if exe else [sys.executable, "-m", "validator"]
        env = None
    proc = subprocess.run(
        [*cmd, "check", "--quiet", *options, str(path)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"check reported findings or failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )


def job_check(path: Path) -> None:
    _run_check(path, os.environ.get("BENCH_THIS_TREE"))


def job_base(path: Path) -> None:
    _run_check(path, os.environ["BENCH_BASELINE_TREE"])


def html_path(path: Path) -> Path:
    return path.with_suffix(".html")


def job_html(path: Path) -> None:
    _run_check(path, os.environ.get("BENCH_THIS_TREE"), "--format", "html", "-o", str(html_path(path)))


JOBS = {"floor": job_floor, "sdk": job_sdk, "check": job_check, "base": job_base, "html": job_html}
CHROMIUM = "/usr/bin/chromium"


def browser_load(report: Path, repeat: int) -> list[float] | None:
    """Seconds from opening the report in headless chromium to its timeline drawn, ``repeat`` times."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).is_file():
        return None
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            start = time.perf_counter()
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_selector("svg#timeline")
            times.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return times


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child(name: str, path: Path) -> None:
    cpu = _cpu()
    start = time.perf_counter()
    JOBS[name](path)
    elapsed = time.perf_counter() - start
    cpu = _cpu() - cpu
    # ru_maxrss is in KiB on Linux; the check runs in a grandchild, so count children too.
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "rss_kib": rss}))


def _measure(name: str, path: Path) -> dict | None:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        print(f"{name}: failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(results: list[dict]) -> dict:
    """Median time (the middle run; the slower middle one for an even count), its range, and
    the largest peak RSS of the runs."""
    seconds = sorted(r["seconds"] for r in results)
    cpu = sorted(r["cpu"] for r in results)
    return {
        "seconds": seconds[len(seconds) // 2],
        "fastest": seconds[0],
        "slowest": seconds[-1],
        "cpu": cpu[len(cpu) // 2],
        "rss_kib": max(r["rss_kib"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument(
        "--protocol",
        choices=sorted(GENERATORS),
        default="responses",
        help="the transcript's protocol (anthropic: one long Messages stream; sdk: anthropic-python's types)",
    )
    parser.add_argument("--jobs", default="floor,sdk,check,html")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each job (median reported)")
    parser.add_argument("--keep", type=Path, help="write the transcript here and keep it")
    parser.add_argument(
        "--baseline-tree", type=Path, help="also time the check of this checkout (job 'base')"
    )
    parser.add_argument("--child", nargs=2, metavar=("JOB", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    # The check is timed as an installed command runs: with its bytecode compiled (pip compiles a
    # wheel's modules at install). Where .pyc files are not written (PYTHONDONTWRITEBYTECODE, a
    # read-only checkout), every run would otherwise compile the package's source again (~40 ms).
    import validator

    compileall.compile_dir(Path(validator.__file__).parent, quiet=1)
    names = args.jobs.split(",")
    if args.baseline_tree:
        base = args.baseline_tree.resolve()
        if not (base / "validator" / "__init__.py").is_file():
            raise SystemExit(f"{base} holds no validator package")
        compileall.compile_dir(base / "validator", quiet=1)
        os.environ["BENCH_BASELINE_TREE"] = str(base)
        os.environ["BENCH_THIS_TREE"] = str(Path(validator.__file__).resolve().parent.parent)
        if "base" not in names:
            names.append("base")
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    os.environ["BENCH_PROTOCOL"] = args.protocol
    suffix = "" if args.protocol == "responses" else f"-{args.protocol}"
    path = args.keep or out_dir / f"bench-{args.size_mb}mb{suffix}.sse"
    t0 = time.perf_counter()
    events = GENERATORS[args.protocol](path, args.size_mb)
    size = path.stat().st_size
    print(
        f"transcript: {path} ({size / 1e6:.1f} MB, {events} events, "
        f"generated in {time.perf_counter() - t0:.1f} s)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    runs: dict[str, list[dict]] = {name: [] for name in names}
    # Interleaved (floor, check, floor, check...): a slow spell of the machine hits every job alike.
    # The SDK's runs come after all the others: whatever runs right after 45 s of full load runs
    # about a tenth slower on this machine (floor and check alike, seen here), which would count
    # against the job that follows it in each round.
    fast = [n for n in names if n != "sdk"]
    order = fast * max(1, args.repeat) + [n for n in names if n == "sdk"] * max(1, args.repeat)
    for name in order:
        result = _measure(name, path)
        if result:
            runs[name].append(result)
    rows = [(name, _summary(results)) for name, results in runs.items() if results]
    floor = next((r for n, r in rows if n == "floor"), None)
    # CPU time (user + system) beside the wall clock: on a loaded machine it is the steadier figure.
    print(
        f"\n{'job':<8}{'seconds':>10}{'range':>14}{'MB/s':>10}{'peak RSS MB':>14}{'x floor':>10}"
        f"{'cpu s':>9}{'cpu x floor':>13}   (median of {max(1, args.repeat)})"
    )
    for name, r in rows:
        ratio = f"{r['seconds'] / floor['seconds']:.2f}" if floor else "-"
        cpu_ratio = f"{r['cpu'] / floor['cpu']:.2f}" if floor and floor["cpu"] else "-"
        spread = f"{r['fastest']:.2f}-{r['slowest']:.2f}"
        print(
            f"{name:<8}{r['seconds']:>10.2f}{spread:>14}{size / 1e6 / r['seconds']:>10.1f}"
            f"{r['rss_kib'] / 1024:>14.1f}{ratio:>10}{r['cpu']:>9.2f}{cpu_ratio:>13}"
        )
    if runs.get("html"):
        report = html_path(path)
        loads = browser_load(report, max(1, args.repeat))
        line = f"\nhtml report: {report.stat().st_size / 1e6:.2f} MB for {size / 1e6:.1f} MB of transcript"
        if loads:
            loads.sort()
            line += (
                f"; opened in headless chromium, timeline drawn, in {loads[len(loads) // 2]:.2f} s"
                f" (median of {len(loads)}, {loads[0]:.2f}-{loads[-1]:.2f})"
            )
        else:
            line += "; load time not measured (needs playwright and /usr/bin/chromium)"
        print(line)
        report.unlink()
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
