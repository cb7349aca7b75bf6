"""The response machine: response.* lifecycle events and ``error`` (RSP206-RSP216).

A transition is a dict lookup in :data:`RESPONSE_TRANSITIONS`; a missing entry is the
finding (:data:`_REFUSED` names its rule). The machine follows the event even when it
refuses it, so one misplaced event is one finding.

The start of the stream (RULES.md C1, C2): response.created comes first; response.queued
may come just before it. Whether created is missing is decided at the first event that
shows it (the event after a leading queued, or a first event that is neither), once. A
resumed stream or a fragment starts anywhere: the machine is put just before its first
event (:data:`_START_BEFORE`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from validator.model.values import str_or_none
from validator.protocols.responses.consistency import usage_issue
from validator.protocols.responses.context import EventContext
from validator.protocols.responses.families import Lifecycle
from validator.protocols.responses.items import ItemTracker

__all__ = ["RESPONSE_TRANSITIONS", "Phase", "ResponseMachine"]


class Phase(enum.Enum):
    START = "start"
    #: response.queued came before response.created (tolerated, RULES.md C2).
    QUEUED_FIRST = "queued-first"
    CREATED = "created"
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    #: An ``error`` event arrived: only response.failed may follow (RULES.md C11, J2).
    ERRORED = "errored"
    TERMINAL = "terminal"


_P, _L = Phase, Lifecycle

RESPONSE_TRANSITIONS: dict[tuple[Phase, Lifecycle], Phase] = {
    (_P.START, _L.CREATED): _P.CREATED,
    (_P.START, _L.QUEUED): _P.QUEUED_FIRST,
    (_P.QUEUED_FIRST, _L.CREATED): _P.QUEUED,
    (_P.CREATED, _L.QUEUED): _P.QUEUED,
    (_P.CREATED, _L.IN_PROGRESS): _P.IN_PROGRESS,
    (_P.QUEUED, _L.IN_PROGRESS): _P.IN_PROGRESS,
    # created -> failed directly: an immediate failure (OR-SM; OpenAI capture 023).
    (_P.CREATED, _L.FAILED): _P.TERMINAL,
    (_P.QUEUED, _L.FAILED): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.COMPLETED): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.INCOMPLETE): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.FAILED): _P.TERMINAL,
    (_P.ERRORED, _L.FAILED): _P.TERMINAL,
    (_P.CREATED, _L.DONE): _P.TERMINAL,
    (_P.IN_PROGRESS, _L.DONE): _P.TERMINAL,
    **{(p, _L.ERROR): _P.ERRORED for p in (_P.START, _P.QUEUED_FIRST, _P.CREATED, _P.QUEUED, _P.IN_PROGRESS)},
}

#: The rule a refused transition breaks, by the phase it was refused in (default RSP207).
_REFUSED: dict[Phase, str] = {_P.TERMINAL: "RSP208", _P.ERRORED: "RSP214"}

#: Where a stream that does not start at the beginning (resumed, fragment, or missing its
#: response.created) is taken to be just before its first event, so that event is accepted.
_START_BEFORE: dict[Lifecycle, Phase] = {
    _L.CREATED: _P.START,
    _L.QUEUED: _P.CREATED,
    _L.IN_PROGRESS: _P.QUEUED,
}

#: Phases in which output events are early (RULES.md C13).
_BEFORE_IN_PROGRESS = frozenset({_P.START, _P.QUEUED_FIRST, _P.CREATED, _P.QUEUED})


#: Snapshot fields that never change within a stream (RULES.md C8; the id is RSP211's).
_CONSTANT = ("created_at", "model", "object")


class ResponseMachine:
    """The phase of the response, and the checks on its snapshots."""

    __slots__ = (
        "constants",
        "ctx",
        "error_seen",
        "items",
        "phase",
        "response_id",
        "started",
        "unreadable_start",
    )

    def __init__(self, ctx: EventContext, items: ItemTracker) -> None:
        self.ctx = ctx
        self.items = items
        self.phase = Phase.START
        #: False until response.created has come or is certain to be missing.
        self.started = False
        #: An event before the first readable one could not be decoded (RSP002): it may have been
        #: response.created, so its absence is not a second finding.
        self.unreadable_start = False
        self.response_id: str | None = None
        #: The first snapshot's values of the fields that stay the same in every snapshot (C8).
        self.constants: dict[str, Any] | None = None
        self.error_seen = False

    def start(self, etype: str, life: Lifecycle | None) -> None:
        """Until response.created has come, or is certain to be missing (RULES.md C1)."""
        if self.phase is Phase.QUEUED_FIRST:
            # C2 tolerates queued before created, not created missing: what follows queued
            # must be created, so this event is where the missing created becomes certain.
            self.started = True
            if life is not Lifecycle.CREATED:
                self.ctx.emit("RSP206", f"response.created never comes: {etype} follows response.queued")
                # Best understanding: created was lost after queued; go on from there.
                self.phase = Phase.QUEUED
            return
        if life is Lifecycle.QUEUED and not self.ctx.lenient:
            # Not yet decided: created may still follow (the next event settles it).
            return
        self.started = True
        if life is Lifecycle.CREATED:
            return
        if not self.ctx.lenient and not self.unreadable_start:
            self.ctx.emit("RSP206", "the stream does not start with response.created")
        self.phase = _START_BEFORE.get(life, Phase.IN_PROGRESS) if life is not None else Phase.IN_PROGRESS

    def output_phase(self, etype: str) -> None:
        """An item-scoped event: the response must be in progress (RSP214, RSP215)."""
        if self.phase is Phase.ERRORED:
            self.ctx.emit_once("RSP214", f"{etype} after an error event; only response.failed may follow")
        elif self.phase in _BEFORE_IN_PROGRESS:
            self.ctx.emit_once("RSP215", f"{etype} before response.in_progress")

    def lifecycle(self, life: Lifecycle, data: dict[str, Any]) -> None:
        target = RESPONSE_TRANSITIONS.get((self.phase, life))
        if target is None:
            rule = _REFUSED.get(self.phase, "RSP207")
            self.ctx.emit(rule, f"{life.value} in phase {self.phase.value}")
            # Best understanding: the event happened; follow it unless it would go backwards.
            target = Phase.TERMINAL if life.terminal else (Phase.ERRORED if life is _L.ERROR else self.phase)
        self.phase = target
        if life is _L.ERROR:
            self.error_seen = True
            return
        response = data.get("response")
        if isinstance(response, dict):
            self._snapshot(life, response)
            if life.terminal:
                self._terminal(life, response)
        elif life.terminal:
            self._abandon(life)

    def _snapshot(self, life: Lifecycle, response: dict[str, Any]) -> None:
        emit = self.ctx.emit
        status = str_or_none(response.get("status"))
        if status is not None and status not in life.statuses:
            emit("RSP210", f"{life.value} carries response.status {status!r}", "/response/status")
        rid = str_or_none(response.get("id"))
        if rid is not None:
            if self.response_id is not None and rid != self.response_id:
                emit("RSP211", f"response id {rid!r} differs from {self.response_id!r}", "/response/id")
            self.response_id = rid
        if response.get("completed_at") is not None and status is not None and status != "completed":
            emit("RSP216", f"completed_at is set on a {status} response", "/response/completed_at")
        self._constants(life, response)
        _SNAPSHOT_CHECKS.get(life, _no_check)(self, response)

    def _constants(self, life: Lifecycle, response: dict[str, Any]) -> None:
        """RSP234: created_at, model and object are those of the first snapshot (RULES.md C8)."""
        if self.constants is None:
            self.constants = {f: response[f] for f in _CONSTANT if f in response}
            return
        for name, first in self.constants.items():
            value = response.get(name, first)
            if value != first or type(value) is not type(first):
                self.ctx.emit(
                    "RSP234",
                    f"{life.value} carries {name} {value!r}; the first snapshot said {first!r}",
                    f"/response/{name}",
                )

    def _check_incomplete(self, response: dict[str, Any]) -> None:
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        if not (isinstance(reason, str) and reason):
            self.ctx.emit(
                "RSP212",
                "response.incomplete without incomplete_details.reason",
                "/response/incomplete_details",
            )

    def _check_failed(self, response: dict[str, Any]) -> None:
        error = response.get("error")
        if not (isinstance(error, dict) and (error.get("message") or error.get("code"))):
            self.ctx.emit("RSP213", "response.failed without an error (code, message)", "/response/error")

    def _terminal(self, life: Lifecycle, response: dict[str, Any]) -> None:
        self._abandon(life)
        if life is _L.COMPLETED:
            self.items.after_incomplete("response.completed")
            details = response.get("incomplete_details")
            if isinstance(details, dict) and details:
                reason = details.get("reason")
                self.ctx.emit(
                    "RSP238",
                    "response.completed, but its snapshot says the response was cut short "
                    f"(incomplete_details.reason {reason!r}); a cut-short response ends response.incomplete",
                    "/response/incomplete_details",
                )
        usage = usage_issue(response)
        if usage is not None:
            self.ctx.issues.append(usage)
        output = response.get("output")
        # response.done carries a partial payload: its output is not the whole answer (codex profile).
        if isinstance(output, list) and not (life is _L.FAILED and not output) and life is not _L.DONE:
            self.items.compare_output(output)

    def _abandon(self, life: Lifecycle) -> None:
        # A failure is the root cause of whatever it left open, with or without an error event
        # before it: response.failed may follow any event (RSP228's doc), completed and
        # incomplete only an output_item.done.
        self.items.abandon(life.value, report=life is not _L.FAILED)


def _no_check(machine: ResponseMachine, response: dict[str, Any]) -> None:
    return None


_SNAPSHOT_CHECKS: dict[Lifecycle, Callable[[ResponseMachine, dict[str, Any]], None]] = {
    _L.INCOMPLETE: ResponseMachine._check_incomplete,
    _L.FAILED: ResponseMachine._check_failed,
}
