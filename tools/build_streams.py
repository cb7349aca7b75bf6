"""Build the project's own example streams in ``corpus/streams`` from small Python descriptions.

Every stream here is written by us (own ids, own text) in the shape of the OpenAI wire: ``event:`` +
``data:`` + blank line, ``sequence_number`` from 0, full response snapshots, terminal ``output``
equal to the ``output_item.done`` items and usage that adds up. Building them from descriptions
keeps those cross-references consistent; the generated files are committed.

    python tools/build_streams.py           # (re)write corpus/streams
    python tools/build_streams.py --check   # exit 1 if the committed files differ
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.tools.probe.streamkit import png_b64, response_snapshot, sse_frame, usage

ROOT = Path(__file__).resolve().parent.parent
STREAMS = ROOT / "corpus" / "streams"

Json = dict[str, Any]
DONE = object()  # the ``data: [DONE]`` sentinel

#: 2026-01-01T00:00:00Z; each stream offsets from it so timestamps differ.
EPOCH = 1767225600


def _dumps(value: Any) -> str:
    # Compact and not ASCII-escaped, like the OpenAI wire: multi-byte text (and U+2028) stays raw.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Stream:
    """One response being streamed: collects events and keeps the snapshot consistent."""

    name: str
    offset: int
    model: str = "gpt-5.1-2025-11-13"
    profile: str = "openai"
    tools: list[Json] = field(default_factory=list)
    instructions: str | None = None
    reasoning_config: Json = field(default_factory=lambda: {"effort": None, "summary": None})
    background: bool = False
    max_output_tokens: int | None = None
    events: list[Any] = field(default_factory=list)
    output: list[Json | None] = field(default_factory=list)
    _ids: int = 0

    # ------------------------------------------------------------------ basics
    def new_id(self, prefix: str) -> str:
        self._ids += 1
        digest = hashlib.sha256(f"{self.name}/{self._ids}".encode()).hexdigest()
        return f"{prefix}_{digest[:50]}"

    @property
    def rid(self) -> str:
        return "resp_" + hashlib.sha256(f"{self.name}/response".encode()).hexdigest()[:50]

    def emit(self, type_: str, **fields: Any) -> Json:
        event = {"type": type_, "sequence_number": self._seq(), **fields}
        self.events.append(event)
        return event

    def _seq(self) -> int:
        return sum(1 for e in self.events if e is not DONE)

    def snapshot(self, status: str, **over: Any) -> Json:
        completed = status == "completed"
        resp = response_snapshot(
            self.rid,
            status,
            created_at=EPOCH + self.offset,
            model=self.model,
            # Open Responses' ResponseResource has no prompt_cache_retention/user.
            omit=("prompt_cache_retention", "user") if self.profile == "open-responses" else (),
            background=self.background,
            completed_at=EPOCH + self.offset + 3 if completed else None,
            instructions=self.instructions,
            max_output_tokens=self.max_output_tokens,
            reasoning=self.reasoning_config,
            tools=self.tools,
        )
        resp.update(over)  # after the omission: an override may bring an omitted key back, last
        return resp

    # --------------------------------------------------------------- lifecycle
    def created(self, status: str = "in_progress") -> None:
        self.emit("response.created", response=self.snapshot(status))

    def queued(self) -> None:
        self.emit("response.queued", response=self.snapshot("queued"))

    def in_progress(self) -> None:
        self.emit("response.in_progress", response=self.snapshot("in_progress"))

    def _final(self, status: str, usage: Json | None, **over: Any) -> Json:
        assert all(item is not None for item in self.output), "an item was never closed"
        return self.snapshot(
            status, output=copy.deepcopy(self.output), usage=usage, service_tier="default", **over
        )

    def completed(self, usage: Json) -> None:
        self.emit("response.completed", response=self._final("completed", usage))

    def incomplete(self, reason: str, usage: Json) -> None:
        self.emit(
            "response.incomplete",
            response=self._final("incomplete", usage, incomplete_details={"reason": reason}),
        )

    def failed(self, code: str, message: str) -> None:
        self.emit(
            "response.failed", response=self._final("failed", None, error={"code": code, "message": message})
        )

    def done_sentinel(self) -> None:
        self.events.append(DONE)

    def keepalive(self) -> None:
        self.emit("keepalive")

    def error(self, type_: str, code: str, message: str) -> None:
        # The nested shape the real wire sends (EVENTS.md §8 B), also the Open Responses shape.
        self.emit("error", error={"type": type_, "code": code, "message": message, "param": None})

    # ------------------------------------------------------------------- items
    def add(self, item: Json) -> int:
        index = len(self.output)
        self.output.append(None)
        self.emit("response.output_item.added", output_index=index, item=item)
        return index

    def close(self, index: int, item: Json) -> None:
        self.emit("response.output_item.done", output_index=index, item=item)
        self.output[index] = copy.deepcopy(item)

    def scoped(self, type_: str, index: int, **fields: Any) -> Json:
        item_id = self._item_id(index)
        return self.emit(type_, item_id=item_id, output_index=index, **fields)

    def _item_id(self, index: int) -> str:
        for event in reversed(self.events):
            if (
                event is not DONE
                and event["type"] == "response.output_item.added"
                and event["output_index"] == index
            ):
                return str(event["item"]["id"])
        raise KeyError(index)

    # ----------------------------------------------------------------- message
    def message(
        self,
        parts: Sequence[Part],
        *,
        status: str = "completed",
        phase: str | None = None,
        between: Callable[[int], None] | None = None,
    ) -> None:
        """A message whose parts stream as deltas; ``between(n)`` runs after the n-th text delta."""
        extra = {"phase": phase} if phase else {}
        item: Json = {
            "id": self.new_id("msg"),
            "type": "message",
            "status": "in_progress",
            "content": [],
            **extra,
        }
        item["role"] = "assistant"
        index = self.add(item)
        final: list[Json] = []
        count = 0
        for ci, part in enumerate(parts):
            kind = part.kind
            empty = (
                {"type": "refusal", "refusal": ""} if kind == "refusal" else _text_part("", [], self.profile)
            )
            self.scoped("response.content_part.added", index, content_index=ci, part=empty)
            text = ""
            annotations: list[Json] = []
            for di, delta in enumerate(part.deltas):
                text += delta
                if kind == "refusal":
                    self.scoped("response.refusal.delta", index, content_index=ci, delta=delta)
                else:
                    obf = {"obfuscation": _obfuscation(delta)}
                    self.scoped(
                        "response.output_text.delta", index, content_index=ci, delta=delta, logprobs=[], **obf
                    )
                count += 1
                if between is not None:
                    between(count)
                for after, annotation in part.annotations:
                    if after == di:
                        self.scoped(
                            "response.output_text.annotation.added",
                            index,
                            content_index=ci,
                            annotation_index=len(annotations),
                            annotation=annotation,
                        )
                        annotations.append(annotation)
            if kind == "refusal":
                self.scoped("response.refusal.done", index, content_index=ci, refusal=text)
                done_part: Json = {"type": "refusal", "refusal": text}
            else:
                self.scoped("response.output_text.done", index, content_index=ci, text=text, logprobs=[])
                done_part = _text_part(text, annotations, self.profile)
            self.scoped("response.content_part.done", index, content_index=ci, part=done_part)
            final.append(done_part)
        item = {**item, "status": status, "content": final}
        self.close(index, item)

    # ---------------------------------------------------------- function calls
    def function_call(self, name: str, deltas: Sequence[str]) -> None:
        call_id = "call_" + self.new_id("c")[2:26]
        item: Json = {
            "id": self.new_id("fc"),
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id,
            "name": name,
        }
        index = self.add(item)
        for delta in deltas:
            self.scoped(
                "response.function_call_arguments.delta", index, delta=delta, obfuscation=_obfuscation(delta)
            )
        arguments = "".join(deltas)
        done: Json = {"arguments": arguments}
        if self.profile == "openai":
            done["name"] = name  # OpenAI requires it; Open Responses has no name on this event
        self.scoped("response.function_call_arguments.done", index, **done)
        self.close(index, {**item, "status": "completed", "arguments": arguments})

    def custom_tool_call(self, name: str, deltas: Sequence[str]) -> None:
        item: Json = {
            "id": self.new_id("ctc"),
            "type": "custom_tool_call",
            "status": "in_progress",
            "call_id": "call_" + self.new_id("c")[2:26],
            "input": "",
            "name": name,
        }
        index = self.add(item)
        for delta in deltas:
            self.scoped(
                "response.custom_tool_call_input.delta", index, delta=delta, obfuscation=_obfuscation(delta)
            )
        text = "".join(deltas)
        self.scoped("response.custom_tool_call_input.done", index, input=text)
        self.close(index, {**item, "status": "completed", "input": text})

    # --------------------------------------------------------------- reasoning
    def reasoning(
        self,
        summary: Sequence[Sequence[str]] = (),
        content: Sequence[Sequence[str]] = (),
        *,
        encrypted: str | None = None,
    ) -> None:
        item: Json = {"id": self.new_id("rs"), "type": "reasoning", "summary": []}
        if content:
            item["content"] = []
        if self.profile == "openai" and content:
            item["status"] = "in_progress"
        if encrypted is not None:
            # The added item's encrypted_content may be partial (OAS, RULES.md D12).
            item["encrypted_content"] = encrypted[: len(encrypted) // 2]
        index = self.add(item)
        summaries: list[Json] = []
        for si, deltas in enumerate(summary):
            self.scoped(
                "response.reasoning_summary_part.added",
                index,
                summary_index=si,
                part={"type": "summary_text", "text": ""},
            )
            for delta in deltas:
                self.scoped(
                    "response.reasoning_summary_text.delta",
                    index,
                    summary_index=si,
                    delta=delta,
                    obfuscation=_obfuscation(delta),
                )
            text = "".join(deltas)
            self.scoped("response.reasoning_summary_text.done", index, summary_index=si, text=text)
            part = {"type": "summary_text", "text": text}
            self.scoped("response.reasoning_summary_part.done", index, summary_index=si, part=part)
            summaries.append(part)
        texts: list[Json] = []
        names = ("response.reasoning.delta", "response.reasoning.done")
        if self.profile == "openai":
            names = ("response.reasoning_text.delta", "response.reasoning_text.done")
        for ci, deltas in enumerate(content):
            self.scoped(
                "response.content_part.added",
                index,
                content_index=ci,
                part={"type": "reasoning_text", "text": ""},
            )
            for delta in deltas:
                self.scoped(names[0], index, content_index=ci, delta=delta)
            text = "".join(deltas)
            self.scoped(names[1], index, content_index=ci, text=text)
            part = {"type": "reasoning_text", "text": text}
            self.scoped("response.content_part.done", index, content_index=ci, part=part)
            texts.append(part)
        done = {**item, "summary": summaries}
        if content:
            done["content"] = texts
        if "status" in item:
            done["status"] = "completed"
        if encrypted is not None:
            done["encrypted_content"] = encrypted
        self.close(index, done)

    # ----------------------------------------------------------- hosted tools
    def hosted_status(self, family: str, index: int, *middle: str) -> None:
        self.scoped(f"response.{family}.in_progress", index)
        for step in middle:
            self.scoped(f"response.{family}.{step}", index)
        self.scoped(f"response.{family}.completed", index)

    def web_search(self, action: Json) -> None:
        item: Json = {"id": self.new_id("ws"), "type": "web_search_call", "status": "in_progress"}
        index = self.add(item)
        self.hosted_status("web_search_call", index, "searching")
        self.close(index, {**item, "status": "completed", "action": action})

    def file_search(self, queries: list[str]) -> None:
        item: Json = {
            "id": self.new_id("fs"),
            "type": "file_search_call",
            "status": "in_progress",
            "queries": [],
            "results": None,
        }
        index = self.add(item)
        self.hosted_status("file_search_call", index, "searching")
        self.close(index, {**item, "status": "completed", "queries": queries})

    def code_interpreter(self, container: str, deltas: Sequence[str], logs: str) -> None:
        item: Json = {
            "id": self.new_id("ci"),
            "type": "code_interpreter_call",
            "status": "in_progress",
            "code": "",
            "container_id": container,
            "outputs": [],
        }
        index = self.add(item)
        self.scoped("response.code_interpreter_call.in_progress", index)
        for delta in deltas:
            self.scoped(
                "response.code_interpreter_call_code.delta",
                index,
                delta=delta,
                obfuscation=_obfuscation(delta),
            )
        code = "".join(deltas)
        self.scoped("response.code_interpreter_call_code.done", index, code=code)
        self.scoped("response.code_interpreter_call.interpreting", index)
        self.scoped("response.code_interpreter_call.completed", index)
        outputs = [{"type": "logs", "logs": logs}]
        self.close(index, {**item, "status": "completed", "code": code, "outputs": outputs})

    def image_generation(
        self, partials: Sequence[tuple[int, int, int]], final: tuple[int, int, int], prompt: str
    ) -> None:
        item: Json = {"id": self.new_id("ig"), "type": "image_generation_call", "status": "in_progress"}
        index = self.add(item)
        self.scoped("response.image_generation_call.in_progress", index)
        self.scoped("response.image_generation_call.generating", index)
        settings = {"size": "1024x1024", "quality": "low", "background": "opaque", "output_format": "png"}
        for pi, rgb in enumerate(partials):
            self.scoped(
                "response.image_generation_call.partial_image",
                index,
                partial_image_index=pi,
                partial_image_b64=png_b64(rgb, 4),
                **settings,
            )
        self.scoped("response.image_generation_call.completed", index)
        image = png_b64(final, 4)
        done = {**item, "status": "completed", **settings, "result": image, "revised_prompt": prompt}
        self.close(index, done)

    def mcp_list_tools(self, server: str, tools: list[Json]) -> None:
        item: Json = {
            "id": self.new_id("mcpl"),
            "type": "mcp_list_tools",
            "server_label": server,
            "tools": [],
        }
        index = self.add(item)
        self.scoped("response.mcp_list_tools.in_progress", index)
        self.scoped("response.mcp_list_tools.completed", index)
        self.close(index, {**item, "tools": tools})

    def mcp_call(self, server: str, name: str, deltas: Sequence[str], output: str) -> None:
        item: Json = {
            "id": self.new_id("mcp"),
            "type": "mcp_call",
            "status": "in_progress",
            "approval_request_id": None,
            "arguments": "",
            "error": None,
            "name": name,
            "output": None,
            "server_label": server,
        }
        index = self.add(item)
        self.scoped("response.mcp_call.in_progress", index)
        for delta in deltas:
            self.scoped(
                "response.mcp_call_arguments.delta", index, delta=delta, obfuscation=_obfuscation(delta)
            )
        arguments = "".join(deltas)
        self.scoped("response.mcp_call_arguments.done", index, arguments=arguments)
        self.scoped("response.mcp_call.completed", index)
        self.close(index, {**item, "status": "completed", "arguments": arguments, "output": output})

    def plain_item(self, added: Json, done: Json) -> None:
        """An item with no events of its own: only output_item.added and output_item.done."""
        index = self.add(added)
        self.close(index, done)

    def shell(
        self, commands: Sequence[Sequence[str]], results: Sequence[tuple[str, str, int]], container: str
    ) -> None:
        call_id = "call_" + self.new_id("c")[2:26]
        env = {"type": "container_reference", "container_id": container}
        item: Json = {
            "id": self.new_id("sh"),
            "type": "shell_call",
            "status": "in_progress",
            "action": {"commands": [], "max_output_length": None, "timeout_ms": None},
            "call_id": call_id,
            "environment": env,
        }
        index = self.add(item)
        finals: list[str] = []
        for ci, deltas in enumerate(commands):
            # shell_call_command.* carry no item_id: they are addressed by output_index + command_index.
            self.emit("response.shell_call_command.added", output_index=index, command_index=ci, command="")
            for delta in deltas:
                self.emit(
                    "response.shell_call_command.delta",
                    output_index=index,
                    command_index=ci,
                    delta=delta,
                    obfuscation=_obfuscation(delta),
                )
            finals.append("".join(deltas))
            self.emit(
                "response.shell_call_command.done", output_index=index, command_index=ci, command=finals[-1]
            )
        action = {"commands": finals, "max_output_length": 4096, "timeout_ms": None}
        self.close(index, {**item, "status": "completed", "action": action})

        out: Json = {
            "id": self.new_id("sho"),
            "type": "shell_call_output",
            "status": "in_progress",
            "call_id": call_id,
            "max_output_length": 4096,
            "output": [],
        }
        index = self.add(out)
        contents: list[Json] = []
        for ci, (stdout, stderr, code) in enumerate(results):
            delta = {k: v for k, v in (("stdout", stdout), ("stderr", stderr)) if v}
            self.scoped("response.shell_call_output_content.delta", index, command_index=ci, delta=delta)
            content = {"stdout": stdout, "stderr": stderr, "outcome": {"type": "exit", "exit_code": code}}
            self.scoped("response.shell_call_output_content.done", index, command_index=ci, output=[content])
            contents.append(content)
        self.close(index, {**out, "status": "completed", "output": contents})

    def audio(self, transcript: Sequence[str], chunks: Sequence[bytes]) -> None:
        # These events carry no item; the OAS lists response_id as required on three of them
        # (EVENTS.md §10.1), so it is sent there and the stream is valid either way.
        for delta in transcript:
            self.emit("response.audio.transcript.delta", response_id=self.rid, delta=delta)
        for chunk in chunks:
            self.emit("response.audio.delta", delta=base64.b64encode(chunk).decode("ascii"))
        self.emit("response.audio.transcript.done", response_id=self.rid)
        self.emit("response.audio.done", response_id=self.rid)

    # -------------------------------------------------------------- rendering
    def render_sse(self) -> str:
        out: list[str] = []
        for event in self.events:
            if event is DONE:
                out.append("data: [DONE]\n\n")
            else:
                out.append(sse_frame(event, ensure_ascii=False))
        return "".join(out)

    def render_jsonl(self) -> str:
        return "".join(_dumps(e) + "\n" for e in self.events if e is not DONE)

    def render_json(self) -> str:
        return "[\n" + ",\n".join(_dumps(e) for e in self.events if e is not DONE) + "\n]\n"


@dataclass(frozen=True)
class Part:
    """A content part: ``kind`` is output_text or refusal; annotations go after delta ``after``."""

    kind: str
    deltas: Sequence[str]
    annotations: Sequence[tuple[int, Json]] = ()


def text(*deltas: str, annotations: Sequence[tuple[int, Json]] = ()) -> Part:
    return Part("output_text", deltas, annotations)


def refusal(*deltas: str) -> Part:
    return Part("refusal", deltas)


def _text_part(value: str, annotations: list[Json], profile: str) -> Json:
    del profile  # both profiles accept the wire's empty logprobs list
    return {"type": "output_text", "annotations": list(annotations), "logprobs": [], "text": value}


def _obfuscation(delta: str) -> str:
    # The wire pads deltas to a similar size with random characters; ours are derived, not random.
    digest = hashlib.sha256(delta.encode()).hexdigest()
    return digest[: max(1, 16 - len(delta.encode()))]


def url_citation(text_so_far: str, cited: str, url: str, title: str) -> Json:
    """A url_citation spanning the last occurrence of ``cited`` (indices in code points)."""
    start = text_so_far.rindex(cited)
    return {
        "type": "url_citation",
        "end_index": start + len(cited),
        "start_index": start,
        "title": title,
        "url": url,
    }


# ====================================================================== the streams
FUNCTION_TOOL = {
    "type": "function",
    "name": "get_tide_times",
    "description": "Look up high and low tide times for a harbour on a date.",
    "parameters": {
        "type": "object",
        "properties": {"harbour": {"type": "string"}, "date": {"type": "string"}},
        "required": ["harbour", "date"],
        "additionalProperties": False,
    },
    "strict": True,
}


@dataclass(frozen=True)
class Built:
    name: str
    stream: Stream
    fmt: str  # sse | jsonl | json
    note: str
    options: Json = field(default_factory=dict)


def message_text() -> Stream:
    # The JSONL and JSON-array variants reuse this exact stream, so only the framing differs.
    s = Stream("message_text", 100, model="gpt-4.1-2025-04-14")
    s.created()
    s.in_progress()
    s.message(
        [
            text(
                "Crème brûlée ",
                "needs four things: ",
                "cream, sugar, eggs ",
                "and vanilla.\u2028",
                "In Japanese it is ",
                "クレーム・ブリュレ ",
                "🍮 — bake it at 150 °C.",
            )
        ]
    )
    s.completed(usage(21, 38))
    return s


def message_two_parts() -> Stream:
    s = Stream("message_two_parts", 110, model="gpt-4.1-2025-04-14")
    s.created()
    s.in_progress()
    s.message(
        [
            text("Summary: ", "the bridge opens ", "at 06:00."),
            text("Details: ", "maintenance closes ", "lane 2 until Friday."),
        ]
    )
    s.completed(usage(30, 19))
    return s


def message_refusal() -> Stream:
    s = Stream("message_refusal", 120, model="gpt-4o-2024-08-06")
    s.created()
    s.in_progress()
    s.message([refusal("I'm sorry, ", "but I can't help ", "with picking that lock.")])
    s.completed(usage(17, 12))
    return s


def message_url_citations() -> Stream:
    s = Stream("message_url_citations", 130, tools=[{"type": "web_search", "search_context_size": "medium"}])
    s.created()
    s.in_progress()
    s.web_search({"type": "search", "query": "lighthouse keeper history Île Vierge"})
    d0 = "The lighthouse on Île Vierge is the tallest stone lighthouse in Europe "
    d1 = "([phare.example](https://phare.example/ile-vierge)). "
    d2 = "It was first lit in 1902 "
    d3 = "([archives.example](https://archives.example/1902))."
    a0 = url_citation(
        d0 + d1,
        "[phare.example](https://phare.example/ile-vierge)",
        "https://phare.example/ile-vierge",
        "Île Vierge lighthouse",
    )
    a1 = url_citation(
        d0 + d1 + d2 + d3,
        "[archives.example](https://archives.example/1902)",
        "https://archives.example/1902",
        "Lighthouse archives: 1902",
    )
    s.message([text(d0, d1, d2, d3, annotations=[(1, a0), (3, a1)])])
    s.completed(usage(812, 61))
    return s


def function_call() -> Stream:
    s = Stream("function_call", 140, tools=[FUNCTION_TOOL])
    s.created()
    s.in_progress()
    s.function_call("get_tide_times", ['{"harbour', '":"St', " Ives", '","date":"', "2026-03-14", '"}'])
    s.completed(usage(95, 24))
    return s


def parallel_function_calls() -> Stream:
    s = Stream("parallel_function_calls", 150, model="gpt-4o-2024-08-06", tools=[FUNCTION_TOOL])
    s.created()
    s.in_progress()
    s.function_call("get_tide_times", ['{"harbour":"', "Brest", '","date":"2026-03-14"}'])
    s.function_call("get_tide_times", ['{"harbour":"', "Cherbourg", '","date":"2026-03-14"}'])
    s.completed(usage(101, 46))
    return s


def custom_tool_call() -> Stream:
    tool = {
        "type": "custom",
        "name": "run_sql",
        "description": "Run one read-only SQL query.",
        "format": {"type": "text"},
    }
    s = Stream("custom_tool_call", 160, model="gpt-5.1-codex", tools=[tool])
    s.created()
    s.in_progress()
    s.custom_tool_call("run_sql", ["SELECT name, ", "depth_m\nFROM ", "lakes\nWHERE ", "depth_m > 300;"])
    s.completed(usage(120, 28))
    return s


def reasoning_summary() -> Stream:
    s = Stream(
        "reasoning_summary",
        170,
        model="o4-mini-2025-04-16",
        reasoning_config={"effort": "medium", "summary": "detailed"},
    )
    s.created()
    s.in_progress()
    s.reasoning(
        summary=[
            [
                "**Weighing the options**\n\n",
                "Two trains reach Lyon; ",
                "the earlier one has a tight change.",
            ],
            ["**Choosing**\n\n", "The 09:12 leaves margin ", "and is cheaper, so I recommend it."],
        ],
        encrypted="gAAAAABpZm9yLXRoaXMtY29ycHVzLW9ubHktbm90LWEtcmVhbC1ibG9iLTAxMjM0NTY3ODk=",
    )
    s.message([text("Take the 09:12: ", "it is cheaper and leaves ", "a 25-minute change.")])
    s.completed(usage(64, 412, reasoning=384))
    return s


def reasoning_text() -> Stream:
    s = Stream(
        "reasoning_text", 180, model="gpt-oss-120b", reasoning_config={"effort": "low", "summary": None}
    )
    s.created()
    s.in_progress()
    s.reasoning(content=[["The user asks for 17 × 23. ", "17 × 20 = 340, 17 × 3 = 51, ", "total 391."]])
    s.message([text("17 × 23 = ", "391.")])
    s.completed(usage(22, 41, reasoning=30))
    return s


def web_search_call() -> Stream:
    s = Stream("web_search_call", 190, tools=[{"type": "web_search", "search_context_size": "low"}])
    s.created()
    s.in_progress()
    s.web_search({"type": "search", "query": "opening hours botanical garden Meise"})
    s.web_search({"type": "open_page", "url": "https://garden.example/visit"})
    d0 = "The garden is open daily from 09:30 to 17:00 "
    d1 = "([garden.example](https://garden.example/visit))."
    a0 = url_citation(
        d0 + d1,
        "[garden.example](https://garden.example/visit)",
        "https://garden.example/visit",
        "Visit the garden",
    )
    s.message([text(d0, d1, annotations=[(1, a0)])])
    s.completed(usage(1420, 37))
    return s


def file_search_call() -> Stream:
    tool = {
        "type": "file_search",
        "filters": None,
        "max_num_results": 20,
        "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
        "vector_store_ids": ["vs_corpus00000000000000000001"],
    }
    s = Stream("file_search_call", 200, model="gpt-4o-2024-08-06", tools=[tool])
    s.created()
    s.in_progress()
    s.file_search(["warranty period for the kettle", "kettle descaling"])
    d0, d1 = "The kettle has a two-year warranty.", " Descale it monthly with citric acid."
    f0 = {
        "type": "file_citation",
        "file_id": "file-Corpus0000000000000001",
        "filename": "kettle-manual.pdf",
        "index": len(d0),
    }
    f1 = {
        "type": "file_citation",
        "file_id": "file-Corpus0000000000000002",
        "filename": "care-guide.md",
        "index": len(d0 + d1),
    }
    s.message([text(d0, d1, annotations=[(0, f0), (1, f1)])])
    s.completed(usage(2210, 22))
    return s


def code_interpreter_call() -> Stream:
    tool = {"type": "code_interpreter", "container": {"type": "auto"}}
    s = Stream("code_interpreter_call", 210, tools=[tool])
    s.created()
    s.in_progress()
    container = "cntr_" + hashlib.sha256(b"corpus-container").hexdigest()[:48]
    s.code_interpreter(
        container,
        ["import statistics\n", "temps = [12.5, 14.0, ", "13.25, 15.5]\n", "print(statistics.mean(temps))\n"],
        "13.8125\n",
    )
    s.message([text("The mean temperature ", "is 13.8125 °C.")])
    s.completed(usage(310, 74))
    return s


def image_generation_call() -> Stream:
    tool = {
        "type": "image_generation",
        "background": "auto",
        "model": "gpt-image-1",
        "moderation": "auto",
        "n": 1,
        "output_compression": 100,
        "output_format": "png",
        "partial_images": 2,
        "quality": "low",
        "size": "1024x1024",
    }
    s = Stream("image_generation_call", 220, tools=[tool])
    s.created()
    s.in_progress()
    s.image_generation([(40, 40, 90), (60, 80, 140)], (70, 110, 170), "A blue harbour at dusk, flat colour.")
    s.message([text("Here is ", "the harbour at dusk.")])
    s.completed(usage(520, 1130))
    return s


MCP_TOOL = {
    "type": "mcp",
    "allowed_tools": None,
    "headers": None,
    "require_approval": "never",
    "server_description": None,
    "server_label": "recipes",
    "server_url": "https://mcp.recipes.example/sse",
}
MCP_LISTED = [
    {
        "annotations": {"read_only": True},
        "description": "Search recipes by ingredient.",
        "input_schema": {
            "type": "object",
            "properties": {"ingredient": {"type": "string"}},
            "required": ["ingredient"],
        },
        "name": "search_recipes",
    }
]


def mcp_call() -> Stream:
    s = Stream("mcp_call", 230, tools=[MCP_TOOL])
    s.created()
    s.in_progress()
    s.mcp_list_tools("recipes", MCP_LISTED)
    s.mcp_call(
        "recipes",
        "search_recipes",
        ['{"ingredient"', ':"rhubarb', '"}'],
        "1. Rhubarb crumble\n2. Rhubarb fool",
    )
    s.message([text("Try a rhubarb crumble ", "or a rhubarb fool.")])
    s.completed(usage(640, 55))
    return s


def mcp_approval_request() -> Stream:
    s = Stream("mcp_approval_request", 240, tools=[{**MCP_TOOL, "require_approval": "always"}])
    s.created()
    s.in_progress()
    s.mcp_list_tools("recipes", MCP_LISTED)
    approval = {
        "id": s.new_id("mcpr"),
        "type": "mcp_approval_request",
        "arguments": '{"ingredient":"sorrel"}',
        "name": "search_recipes",
        "server_label": "recipes",
    }
    s.plain_item(approval, approval)
    s.completed(usage(598, 31))
    return s


def shell_call() -> Stream:
    tool = {"type": "shell", "environment": {"type": "container_auto"}}
    s = Stream("shell_call", 250, tools=[tool])
    s.created()
    s.in_progress()
    container = "cntr_" + hashlib.sha256(b"corpus-shell").hexdigest()[:48]
    s.shell(
        [["ls", " -1", " /data"], ["wc -l ", "/data/notes.txt"]],
        [("inventory.csv\nnotes.txt\n", "", 0), ("", "wc: /data/notes.txt: Permission denied\n", 1)],
        container,
    )
    s.message([text("There are two files; ", "notes.txt is not readable.")])
    s.completed(usage(410, 88))
    return s


def apply_patch_call() -> Stream:
    s = Stream("apply_patch_call", 260, tools=[{"type": "apply_patch"}])
    s.created()
    s.in_progress()
    call_id = "call_" + s.new_id("c")[2:26]
    base = {"id": s.new_id("apc"), "type": "apply_patch_call", "call_id": call_id}
    added = {
        **base,
        "status": "in_progress",
        "operation": {"type": "update_file", "diff": "", "path": "README.md"},
    }
    diff = "@@ -1,2 +1,2 @@\n # Harbour\n-Open 9-5.\n+Open 8-6.\n"
    done = {
        **base,
        "status": "completed",
        "operation": {"type": "update_file", "diff": diff, "path": "README.md"},
    }
    s.plain_item(added, done)
    s.completed(usage(230, 45))
    return s


def local_shell_call() -> Stream:
    s = Stream("local_shell_call", 270, model="codex-mini-latest", tools=[{"type": "local_shell"}])
    s.created()
    s.in_progress()
    s.reasoning()
    call_id = "call_" + s.new_id("c")[2:26]
    base = {"id": s.new_id("lsh"), "type": "local_shell_call", "call_id": call_id}
    added = {**base, "status": "in_progress", "action": {"type": "exec", "command": [], "env": {}}}
    action = {
        "type": "exec",
        "command": ["git", "status", "--short"],
        "env": {},
        "working_directory": "/work/repo",
    }
    s.plain_item(added, {**base, "status": "completed", "action": action})
    s.completed(usage(180, 40, reasoning=24))
    return s


def computer_call() -> Stream:
    tool = {
        "type": "computer_use_preview",
        "display_height": 768,
        "display_width": 1024,
        "environment": "browser",
    }
    s = Stream("computer_call", 280, model="computer-use-preview-2025-03-11", tools=[tool])
    s.reasoning_config = {"effort": "medium", "summary": "concise"}
    s.created()
    s.in_progress()
    s.reasoning(summary=[["Clicking the search field ", "to type the query."]])
    call_id = "call_" + s.new_id("c")[2:26]
    base = {"id": s.new_id("cu"), "type": "computer_call", "call_id": call_id, "pending_safety_checks": []}
    action = {"type": "click", "button": "left", "x": 512, "y": 88}
    s.plain_item(
        {**base, "action": action, "status": "in_progress"}, {**base, "action": action, "status": "completed"}
    )
    s.completed(usage(1650, 96, reasoning=64))
    return s


def keepalive() -> Stream:
    s = Stream("keepalive", 290, model="gpt-5.1-codex")
    s.created()
    s.in_progress()
    s.keepalive()

    def beat(n: int) -> None:
        if n in (2, 4):
            s.keepalive()

    s.message(
        [text("Step 1: ", "clone the repo. ", "Step 2: ", "run the tests. ", "Step 3: done.")], between=beat
    )
    s.completed(usage(48, 20))
    return s


def background_queued() -> Stream:
    s = Stream("background_queued", 300, model="gpt-4o-2024-08-06", background=True)
    s.created("queued")
    s.queued()
    s.in_progress()
    s.message([text("Queued work ", "finished: ", "42 rows exported.")])
    s.completed(usage(26, 9))
    return s


def error_then_failed() -> Stream:
    s = Stream(
        "error_then_failed",
        310,
        model="gpt-5-nano-2025-08-07",
        reasoning_config={"effort": "medium", "summary": None},
    )
    s.created()
    s.in_progress()
    s.reasoning()
    message = "The server had an error while processing your request. Sorry about that!"
    s.error("server_error", "server_error", message)
    s.failed("server_error", message)
    return s


def incomplete() -> Stream:
    s = Stream("incomplete_max_output_tokens", 320, model="gpt-4.1-mini-2025-04-14", max_output_tokens=16)
    s.created()
    s.in_progress()
    s.message(
        [text("Once upon a time, ", "a lighthouse keeper ", "counted the ships that")], status="incomplete"
    )
    s.incomplete("max_output_tokens", usage(14, 16))
    return s


def audio() -> Stream:
    s = Stream("audio_transcript", 330, model="gpt-4o-audio-preview-2025-06-03")
    s.created()
    s.in_progress()
    s.audio(["Good morning, ", "the ferry leaves ", "at nine."], [b"RIFF-corpus-chunk-0", b"corpus-chunk-1"])
    s.completed(usage(12, 57))
    return s


def open_responses() -> Stream:
    tool = {**FUNCTION_TOOL}
    s = Stream(
        "open_responses_reasoning", 340, model="acme/lighthouse-7b", profile="open-responses", tools=[tool]
    )
    s.reasoning_config = {"effort": "low", "summary": None}
    s.created()
    s.in_progress()
    s.reasoning(content=[["Need tide times; ", "call the tool for Brest."]])
    s.message([text("Let me look that up ", "for you.")])
    s.function_call("get_tide_times", ['{"harbour":"Brest",', '"date":"2026-03-14"}'])
    s.completed(usage(88, 52, reasoning=11))
    s.done_sentinel()
    return s


def open_responses_error() -> Stream:
    s = Stream("open_responses_error", 350, model="acme/lighthouse-7b", profile="open-responses")
    s.created()
    s.in_progress()
    message = "Upstream model worker exceeded its time limit."
    s.error("server_error", "timeout", message)
    s.failed("timeout", message)
    s.done_sentinel()
    return s


def all_streams() -> list[Built]:
    sse = "sse"
    openai_like = "written for this project in the shape of the OpenAI wire"
    return [
        Built(
            "message_text",
            message_text(),
            sse,
            f"text message; multi-byte UTF-8 and a raw U+2028; {openai_like}",
        ),
        Built(
            "message_text_lines",
            message_text(),
            "jsonl",
            "the message_text stream as JSONL",
        ),
        Built(
            "message_text_array",
            message_text(),
            "json",
            "the message_text stream as a JSON array",
        ),
        Built("message_two_parts", message_two_parts(), sse, "message with two output_text parts"),
        Built("message_refusal", message_refusal(), sse, "message whose only part is a refusal"),
        Built(
            "message_url_citations",
            message_url_citations(),
            sse,
            "web search then a message with url_citation annotations",
        ),
        Built("function_call", function_call(), sse, "function_call with argument deltas"),
        Built(
            "parallel_function_calls",
            parallel_function_calls(),
            sse,
            "two function_call items (parallel tool calls)",
        ),
        Built(
            "custom_tool_call", custom_tool_call(), sse, "custom_tool_call with custom_tool_call_input deltas"
        ),
        Built(
            "reasoning_summary",
            reasoning_summary(),
            sse,
            "reasoning with two summary parts; partial encrypted_content at added",
        ),
        Built(
            "reasoning_text",
            reasoning_text(),
            sse,
            "reasoning with a reasoning_text content part (raw chain of thought)",
        ),
        Built(
            "web_search_call",
            web_search_call(),
            sse,
            "two web_search_call items (search, open_page) and a cited message",
        ),
        Built(
            "file_search_call",
            file_search_call(),
            sse,
            "file_search_call and a message with file_citation annotations",
        ),
        Built(
            "code_interpreter_call", code_interpreter_call(), sse, "code_interpreter_call with code deltas"
        ),
        Built(
            "image_generation_call",
            image_generation_call(),
            sse,
            "image_generation_call with partial images 0 and 1",
        ),
        Built("mcp_call", mcp_call(), sse, "mcp_list_tools then mcp_call with argument deltas"),
        Built(
            "mcp_approval_request",
            mcp_approval_request(),
            sse,
            "mcp_list_tools then an mcp_approval_request item",
        ),
        Built(
            "shell_call",
            shell_call(),
            sse,
            "shell_call (command added/delta/done) and shell_call_output (content delta/done)",
        ),
        Built("apply_patch_call", apply_patch_call(), sse, "apply_patch_call (only output_item.added/done)"),
        Built("local_shell_call", local_shell_call(), sse, "local_shell_call (only output_item.added/done)"),
        Built(
            "computer_call",
            computer_call(),
            sse,
            "reasoning then a computer_call (only output_item.added/done)",
        ),
        Built("keepalive", keepalive(), sse, "keepalive events between other events, inside the numbering"),
        Built(
            "background_queued",
            background_queued(),
            sse,
            "background response: created(queued), queued, in_progress",
        ),
        Built("error_then_failed", error_then_failed(), sse, "nested error event then response.failed"),
        Built(
            "incomplete_max_output_tokens",
            incomplete(),
            sse,
            "response.incomplete (max_output_tokens), message item incomplete",
        ),
        Built(
            "audio_transcript",
            audio(),
            sse,
            "response.audio.transcript.delta/done and response.audio.delta/done",
        ),
        Built(
            "open_responses_reasoning",
            open_responses(),
            sse,
            "Open Responses: reasoning.delta/done, message, function_call, [DONE]",
            {"profile": "open-responses"},
        ),
        Built(
            "open_responses_error",
            open_responses_error(),
            sse,
            "Open Responses: nested error, response.failed, [DONE]",
            {"profile": "open-responses"},
        ),
    ]


def render(built: Built) -> dict[Path, str]:
    """The transcript and its sidecar, as file contents."""
    body = {
        "sse": built.stream.render_sse,
        "jsonl": built.stream.render_jsonl,
        "json": built.stream.render_json,
    }
    transcript = f"{built.name}.{built.fmt}"
    sidecar = {
        "transcript": transcript,
        "options": built.options,
        "findings": [],
        "provenance": {"source": "tools/build_streams.py", "note": built.note},
    }
    return {
        STREAMS / transcript: body[built.fmt](),
        STREAMS / f"{built.name}.expected.json": json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file differs")
    args = parser.parse_args(argv)
    files: dict[Path, str] = {}
    for built in all_streams():
        files.update(render(built))
    stale = [p for p, content in files.items() if not p.exists() or p.read_text(encoding="utf-8") != content]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    STREAMS.mkdir(parents=True, exist_ok=True)
    for path in stale:
        # newline="" keeps LF line ends on every platform (the wire uses LF).
        path.write_text(files[path], encoding="utf-8", newline="")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
