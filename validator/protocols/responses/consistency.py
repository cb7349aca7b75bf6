"""Cross-event consistency: the same text, told several times, must be the same text.

A streamed text is told up to five times: as deltas, in its ``.done`` event, in
the closed part, in ``output_item.done`` and in the terminal response's output.
Each link of that chain is compared with the link before it, exactly (no
trimming, no Unicode normalisation; RULES.md E9).

One defect must give one finding. When a link disagrees with the one before it,
the following link is accepted if it matches *either* version (a
:class:`Finals` holds both), so a corrupted ``.done`` text is reported once and
not again at the part, the item and the final output.

Only open streams keep their text (a list of deltas, joined at done). The last
link, the terminal response's output, is compared item by item in
:mod:`validator.protocols.responses.output`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from validator.model.findings import Issue
from validator.model.values import int_or_none
from validator.protocols.responses.families import TextFamily

__all__ = [
    "Finals",
    "TextStream",
    "annotation_issues",
    "arguments_issue",
    "done_field",
    "part_count_issue",
    "text_issue",
    "usage_issue",
]

_DELTA = operator.itemgetter("delta")
_LOGPROBS = operator.itemgetter("logprobs")
_GET_LOGPROBS = operator.methodcaller("get", "logprobs")
_STR = {str}

#: One version of a (multi-channel) text: a string per channel of its family.
Text = tuple[str, ...]
#: The versions a next link may match (one, or two after a disagreement).
Finals = tuple[Text, ...]


def _short(text: Text) -> str:
    joined = "|".join(text)
    return repr(joined if len(joined) <= 60 else joined[:57] + "...")


class TextStream:
    """The deltas of one text stream until its done event."""

    __slots__ = ("chunks", "deltas", "done", "family", "finals", "logprobs")

    def __init__(self, family: TextFamily, initial: Text | None = None) -> None:
        self.family = family
        self.chunks: list[list[str]] = [[t] for t in initial] if initial else [[] for _ in family.channels]
        self.deltas = 0
        self.done = False
        self.finals: Finals = ()
        #: Logprobs of the deltas, kept only once a delta carries some (RULES.md E10).
        self.logprobs: list[Any] | None = None

    def add(self, event: dict[str, Any]) -> None:
        self.deltas += 1
        delta = event.get("delta")
        channels = self.family.channels
        if channels == ("",):
            if isinstance(delta, str):
                self.chunks[0].append(delta)
        elif isinstance(delta, dict):
            for i, channel in enumerate(channels):
                piece = delta.get(channel)
                if isinstance(piece, str):
                    self.chunks[i].append(piece)
        if self.family.logprobs:
            lp = event.get("logprobs")
            if isinstance(lp, list) and (lp or self.logprobs is not None):
                (self.logprobs if self.logprobs is not None else self._start_logprobs()).extend(lp)

    def add_run(self, events: list[dict[str, Any]]) -> None:
        """:meth:`add` for each event, in order."""
        if self.family.channels == ("",) and not self._keeps_logprobs(events):
            try:
                deltas = list(map(_DELTA, events))  # field access in C
            except KeyError:
                deltas = []
            if set(map(type, deltas)) == _STR and len(deltas) == len(events):
                # One text channel, string deltas, no logprobs to keep.
                self.deltas += len(events)
                self.chunks[0].extend(deltas)
                return
        for event in events:
            self.add(event)

    def _keeps_logprobs(self, events: list[dict[str, Any]]) -> bool:
        """Would :meth:`add` keep logprobs for any of these events?"""
        if not self.family.logprobs:
            return False
        if self.logprobs is not None:
            return True
        try:
            return any(map(_LOGPROBS, events))
        except KeyError:  # some deltas carry none
            return any(map(_GET_LOGPROBS, events))

    def _start_logprobs(self) -> list[Any]:
        self.logprobs = []
        return self.logprobs

    def streamed(self) -> Text:
        return tuple("".join(c) for c in self.chunks)

    def finish(self, event: dict[str, Any], check: bool) -> list[Issue]:
        """Close the stream with its done event: RSP301 (and RSP310) when they disagree."""
        self.done = True
        streamed = self.streamed()
        self.chunks = []
        done = extract(self.family.done_text, event, None)
        issues: list[Issue] = []
        if done is None:
            # No final text on the event (audio, or a malformed done the schema reports); its
            # logprobs are still compared below.
            self.finals = (streamed,)
        # Zero deltas: the done event is the only carrier of the text (RULES.md E4; LM Studio
        # sends function arguments only in .done, corpus 063), so there is nothing to compare.
        elif (self.deltas == 0 and streamed == ("",) * len(streamed)) or done == streamed:
            self.finals = (done,)
        else:
            self.finals = (done, streamed)
            if check:
                issues.append(
                    Issue(
                        "RSP301",
                        f"{self.family.name}: {self.deltas} deltas concatenate to {_short(streamed)}, "
                        f"but the done event says {_short(done)}",
                        pointer=done_field(self.family),
                    )
                )
        if check and self.logprobs is not None:
            final = event.get("logprobs")
            if isinstance(final, list) and final != self.logprobs:
                issues.append(
                    Issue(
                        "RSP310",
                        f"{self.family.name}.done carries {len(final)} logprobs, "
                        f"the deltas {len(self.logprobs)}",
                        pointer="/logprobs",
                    )
                )
        self.logprobs = None
        return issues

    def current(self) -> Finals:
        """What the stream says so far (its finals once done)."""
        return self.finals if self.done else (self.streamed(),)


def done_field(family: TextFamily) -> str:
    """The pointer of a family's final text in its done event (and in its closed part)."""
    return _DONE_FIELD.get(family.name, "")


_DONE_FIELD = {
    "output_text": "/text",
    "refusal": "/refusal",
    "reasoning_text": "/text",
    "reasoning_summary_text": "/text",
    "function_call_arguments": "/arguments",
    "custom_tool_call_input": "/input",
    "mcp_call_arguments": "/arguments",
    "code_interpreter_call_code": "/code",
    "apply_patch_call_operation_diff": "/diff",
    "shell_call_command": "/command",
    "shell_call_output_content": "/output",
}


def extract(extractors: Sequence[Any], obj: Any, index: int | None) -> Text | None:
    """The text per channel, or None when any channel is missing or not a string."""
    if len(extractors) == 1:  # the usual one-channel text, without a generator per call
        text = extractors[0](obj, index)
        return (text,) if isinstance(text, str) else None
    texts = tuple(fn(obj, index) for fn in extractors)
    if not texts or not all(isinstance(t, str) for t in texts):
        return None
    return texts


def text_issue(
    rule: str, what: str | Callable[[], str], value: Text | None, finals: Finals, pointer: str = ""
) -> tuple[Finals, Issue | None]:
    """Compare one link of the chain with the finals before it.

    Returns the finals for the next link and the issue, if any. A missing value is
    not a mismatch here (the schema layer reports missing fields); a part missing
    from a list that is present but short is :func:`part_count_issue`'s. ``what`` names
    the link, or is called to name it (only when they differ: this runs for every part).
    """
    if value is None or not finals:
        return finals, None
    if value in finals:
        return (value,), None
    name = what if isinstance(what, str) else what()
    issue = Issue(
        rule, f"{name} is {_short(value)}, but the streamed text is {_short(finals[0])}", pointer=pointer
    )
    return (*finals, value), issue


def part_count_issue(kind: str, field: str, item: dict[str, Any], streamed: int) -> Issue | None:
    """RSP303: the done item holds (at least) every part that was streamed for it.

    A short list is schema-valid (``content: []`` after part 0 was streamed, as vLLM sends
    it), so the text comparison, which skips missing values, would never see it.
    """
    held = item.get(field)
    if not isinstance(held, list) or len(held) >= streamed:
        return None
    return Issue(
        "RSP303",
        f"output_item.done holds {len(held)} {kind} part{'' if len(held) == 1 else 's'} in {field}, "
        f"but {streamed} {'was' if streamed == 1 else 'were'} streamed",
        pointer=f"/item/{field}",
    )


# --------------------------------------------------------------------------- annotations


def annotation_issues(announced: dict[int, Any], part: Any, pointer: str) -> list[Issue]:
    """RSP307: each announced annotation is in the final part at its index."""
    final = part.get("annotations") if isinstance(part, dict) else None
    if not isinstance(final, list):
        final = []
    missing = [i for i, a in sorted(announced.items()) if i >= len(final) or final[i] != a]
    if not missing:
        return []
    return [
        Issue(
            "RSP307",
            f"annotation_index {', '.join(map(str, missing))} announced by output_text.annotation.added "
            f"{'is' if len(missing) == 1 else 'are'} not in the final part's annotations",
            pointer=f"{pointer}/annotations",
        )
    ]


_SPAN_TYPES = frozenset({"url_citation", "container_file_citation"})


def span_issues(part: Any, pointer: str) -> list[Issue]:
    """RSP313: span annotations stay inside the final text."""
    if not isinstance(part, dict):
        return []
    text, annotations = part.get("text"), part.get("annotations")
    if not isinstance(text, str) or not isinstance(annotations, list):
        return []
    issues = []
    for i, ann in enumerate(annotations):
        # A ``type`` that is not a string (a list, an object) is the schema's finding, not a span.
        if (
            not isinstance(ann, dict)
            or not isinstance(ann.get("type"), str)
            or ann["type"] not in _SPAN_TYPES
        ):
            continue
        start, end = ann.get("start_index"), ann.get("end_index")
        if not (isinstance(start, int) and isinstance(end, int)):
            continue
        if not 0 <= start <= end <= len(text):
            issues.append(
                Issue(
                    "RSP313",
                    f"{ann.get('type')} span {start}..{end} is outside the text ({len(text)} characters)",
                    pointer=f"{pointer}/annotations/{i}",
                )
            )
    return issues


# --------------------------------------------------------------------------- tool calls and usage


def arguments_issue(arguments: Any, pointer: str) -> Issue | None:
    """RSP312: final function arguments are a JSON object text."""
    if not isinstance(arguments, str):
        return None
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return Issue("RSP312", f"arguments {_short((arguments,))} are not valid JSON", pointer=pointer)
    if not isinstance(value, dict):
        return Issue(
            "RSP312", f"arguments are JSON but not an object ({type(value).__name__})", pointer=pointer
        )
    return None


def usage_issue(response: Any) -> Issue | None:
    """RSP308: total_tokens = input_tokens + output_tokens, where all three are given."""
    usage = response.get("usage") if isinstance(response, dict) else None
    if not isinstance(usage, dict):
        return None
    i, o, t = (int_or_none(usage.get(k)) for k in ("input_tokens", "output_tokens", "total_tokens"))
    if i is None or o is None or t is None or i + o == t:
        return None
    return Issue(
        "RSP308",
        f"usage.total_tokens is {t}, but input_tokens + output_tokens = {i + o}",
        pointer="/response/usage/total_tokens",
    )
