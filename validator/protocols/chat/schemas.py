"""The schema layer of Chat Completions: each payload against the schema of its kind (CH1xx).

The compiled validators, the registry and the error descriptions are every protocol's
(:mod:`validator.protocols.schema_kit`); what is Chat-specific is the dispatch
(by kind, not by a ``type`` member) and :data:`RULE_BY_PLACE`: which rule a violation is
reported under, by where in the chunk it is. Every distinct rule an event breaks is reported
once for it, with the most relevant error first.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from validator.model.findings import Issue
from validator.protocols.chat.kinds import Kind, classify
from validator.protocols.schema_kit import (
    BASE_URI,
    Compiled,
    Engines,
    and_more,
    describe,
    leaves,
    load_schema_set,
    pointer,
)

__all__ = ["RULE_BY_PLACE", "ChatSchemas"]

_GENERIC = "CH100"
#: (rule, pattern over the JSON pointer of the failing member): the first match wins. A missing
#: required member counts as failing at its own pointer (``/choices/0/delta``).
RULE_BY_PLACE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("CH111", re.compile(r"^/object$")),
    ("CH121", re.compile(r"^/choices/\d+/delta$")),
    ("CH123", re.compile(r"^/choices/\d+/finish_reason$")),
    ("CH126", re.compile(r"^/choices/\d+/logprobs(/|$)")),
    ("CH131", re.compile(r"^/usage(/|$)")),
    ("CH150", re.compile(r"^/choices/\d+/delta/tool_calls/\d+/index$")),
)


#: The non-streaming answer's schema (a ``chat.completion``).
_ANSWER = f"{BASE_URI}chat/answers/completion.json"


def _place(error: Any) -> str:
    where = pointer(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [n for n in error.validator_value if n not in error.instance]
        if missing:
            return f"{where}/{missing[0]}"
    return where


def rule_for(place: str) -> str:
    for rule, pattern in RULE_BY_PLACE:
        if pattern.match(place):
            return rule
    return _GENERIC


class ChatSchemas:
    """Checks one decoded payload against the schema of its kind; ``fast`` holds the verdicts the
    engine may call directly (kind -> ``is_valid``), filled as kinds are met valid."""

    def __init__(self) -> None:
        schemas = load_schema_set("chat")
        engines = Engines(schemas)
        self._by_kind = {Kind(k): Compiled(schemas.resources[u], engines) for k, u in schemas.events.items()}
        self._answer = Compiled(schemas.resources[_ANSWER], engines)
        #: The engine's cheap verdicts by ``type``: chunks have none, so the key is None.
        self.fast: dict[Any, Any] = {None: usual_chunk}
        self._all_chunks: Any = None

    @classmethod
    def for_profile(cls, profile: str = "chat", strict: bool = False) -> ChatSchemas:
        return _checker()

    def is_valid(self, kind: Kind, data: dict[str, Any]) -> bool:
        return self._by_kind[kind].is_valid(data)

    def run_verdicts(self, event_type: str | None, events: list[Any]) -> list[bool] | None:
        """For the lane (:class:`~validator.protocols.lane.PrefixLane`): is each payload a valid
        content chunk, with no schema finding (None: all are, found in one call)? Only content
        chunks take the machine's usual path, so the other kinds' schemas are not asked."""
        chunk = self._by_kind[Kind.CHUNK]
        if self._all_chunks is None:
            self._all_chunks = chunk.batch_validator()
        if self._all_chunks(events):
            return None
        return list(map(chunk.is_valid, events))

    def check(self, data: dict[str, Any], kind: Kind | None = None) -> list[Issue]:
        kind = kind or classify(data)
        compiled = self._by_kind[kind]
        if compiled.is_valid(data):
            return []
        errors = list(leaves(compiled.errors(data)))
        if not errors:
            return [Issue(_GENERIC, f"{kind.value} does not match its schema (no error found to explain it)")]
        by_rule: dict[str, list[Any]] = {}
        for error in errors:
            by_rule.setdefault(rule_for(_place(error)), []).append(error)
        issues = []
        for rule, found in by_rule.items():
            more = and_more(len(found) - 1)
            issues.append(Issue(rule, f"{kind.value}: {describe(found[0])}{more}", _place(found[0])))
        return issues

    def check_answer(self, value: Any) -> list[Issue]:
        """A non-streaming answer (``chat.completion``) against its schema: one CH100 with the most
        relevant error first (the chunk rules' places do not apply to it)."""
        if self._answer.is_valid(value):
            return []
        errors = list(leaves(self._answer.errors(value)))
        what = "non-streaming answer (chat.completion)"
        if not errors:
            return [Issue(_GENERIC, f"{what} does not match its schema (no error found to explain it)")]
        more = and_more(len(errors) - 1)
        return [Issue(_GENERIC, f"{what}: {describe(errors[0])}{more}", _place(errors[0]))]


_TOP = frozenset(
    {
        "id",
        "object",
        "created",
        "model",
        "system_fingerprint",
        "choices",
        "usage",
        "service_tier",
        "obfuscation",
    }
)
_ENTRY = frozenset({"index", "delta", "logprobs", "finish_reason"})
_DELTA = frozenset({"role", "content", "refusal"})
_FINISH = frozenset({None, "stop", "length", "tool_calls", "content_filter", "function_call"})
_TIER = frozenset({None, "auto", "default", "flex", "scale", "priority", "fast"})
_ROLE = frozenset({"developer", "system", "user", "assistant", "tool"})


def usual_chunk(data: dict[str, Any]) -> bool:
    """A cheap "valid" for the bulk of a stream: a content chunk holding only documented members of
    the usual types, one choice whose delta has only role, content and refusal. True implies the
    chunk schema accepts it (tests/test_chat_machine.py holds the two to that); False says nothing.
    Written for speed (it runs once per chunk): direct indexing, the common case first."""
    if not _TOP.issuperset(data):
        return False
    try:
        if (
            data["object"] != "chat.completion.chunk"
            or type(data["id"]) is not str
            or type(data["created"]) is not int
            or type(data["model"]) is not str
        ):
            return False
        choices = data["choices"]
    except KeyError:
        return False
    if type(choices) is not list or len(choices) != 1:
        return False
    get = data.get
    if get("usage") is not None:
        return False
    for key in ("system_fingerprint", "obfuscation"):
        value = get(key)
        if value is not None and type(value) is not str:
            return False
    tier = get("service_tier")
    if tier is not None and (type(tier) is not str or tier not in _TIER):
        return False
    entry = choices[0]
    if type(entry) is not dict or not _ENTRY.issuperset(entry):
        return False
    try:
        if type(entry["index"]) is not int:
            return False
        delta = entry["delta"]
    except KeyError:
        return False
    if type(delta) is not dict or not _DELTA.issuperset(delta):
        return False
    finish = entry.get("finish_reason")
    if finish is not None and (type(finish) is not str or finish not in _FINISH):
        return False
    if entry.get("logprobs") is not None:
        return False
    for key, value in delta.items():
        if value is not None and (type(value) is not str or (key == "role" and value not in _ROLE)):
            return False
    return True


@cache
def _checker() -> ChatSchemas:
    return ChatSchemas()
