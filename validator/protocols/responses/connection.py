"""The WebSocket connection machine: steering, successors and lineage above the per-response machine.

A Responses WebSocket connection carries a sequence of responses per ``stream_id`` lane, not one
(openai-python >= 3.8, CHANGES-2026-12.md §1.2). The client may steer a response in flight with
``response.steer``; the server answers each submission with ``response.steer.accepted``,
``.pending`` or ``.failed``. A steered response ends ``response.incomplete`` with
``incomplete_details.reason: "steered"`` and an automatic successor ``response.created`` follows on
its lane without a client ``response.create``; a completed response may get one too. The
successor's ``response.created`` is the commit point of the accepted input.

This module holds that machine as tables (a steer submission's states and their transitions, what
each way of ending promises) and the checks that read them (RSP401-RSP407). It knows nothing of
files or turns: the WebSocket walk (``websocket.py``) feeds it the messages in order, with the lane
each belongs to, and places the findings it returns at the message they name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

__all__ = ["ConnectionMachine", "SteerState"]

Ref = TypeVar("Ref")

_COMMIT = "commit"  #: the successor's response.created (automatic) or the continuation's (explicit)


class SteerState(Enum):
    SUBMITTED = "submitted"  #: sent by the client, no outcome yet
    ACCEPTED = "accepted"  #: the server owns the input
    PENDING = "pending"  #: queued while the response waits for client-owned input
    FAILED = "failed"  #: returned to the client (final)
    COMMITTED = "committed"  #: a successor response.created took it (final)


S = SteerState
#: (state, what happens) -> next state. Anything else is a second outcome for one submission (RSP402).
STEER_TRANSITIONS: dict[tuple[SteerState, str], SteerState] = {
    (S.SUBMITTED, "response.steer.accepted"): S.ACCEPTED,
    (S.SUBMITTED, "response.steer.failed"): S.FAILED,  # rejected before an id was allocated
    (S.ACCEPTED, "response.steer.pending"): S.PENDING,  # "emitted after response.completed"
    (S.ACCEPTED, "response.steer.failed"): S.FAILED,  # "failures after acceptance include the same id"
    (S.ACCEPTED, _COMMIT): S.COMMITTED,
    (S.PENDING, "response.steer.failed"): S.FAILED,
    (S.PENDING, _COMMIT): S.COMMITTED,
}
#: States that still wait for something from the server.
OPEN_STATES = frozenset({S.SUBMITTED, S.ACCEPTED})


class Ending(Enum):
    STEERED = "incomplete (steered)"
    COMPLETED = "completed"
    OTHER = "other"


#: What each way of ending promises: (an automatic successor may follow, one must follow).
#: A completed response with accepted input still queued must also be followed by a successor,
#: unless the input is reported pending or failed (checked with the submissions, RSP403).
SUCCESSOR: dict[Ending, tuple[bool, bool]] = {
    Ending.STEERED: (True, True),
    Ending.COMPLETED: (True, False),
    Ending.OTHER: (True, False),
}


@dataclass
class _Submission(Generic[Ref]):
    target: str | None  #: the steered response (steer.previous_response_id)
    ref: Ref  #: the client's response.steer, or the first outcome when no client line shows it
    state: SteerState = S.SUBMITTED
    id: str | None = None
    outcome: Ref | None = None


@dataclass
class _Response(Generic[Ref]):
    id: str | None
    lane: str | None
    created: Ref
    ending: Ending | None = None
    terminal: Ref | None = None
    successor: str | None = None
    automatic: bool = False


@dataclass
class _Lane:
    #: client response.create messages not yet answered by a response.created
    requested: int = 0
    last: str | None = None  #: id of the lane's latest response


@dataclass
class ConnectionMachine(Generic[Ref]):
    """Feed it the connection's messages in order; each method returns ``(rule, message, ref)`` findings.

    ``client_visible``: the transcript holds the client's messages, so a response.created with
    no request before it is an automatic successor and an outcome with no submission is a defect.
    Without them only what the server's messages show by themselves is judged.
    """

    client_visible: bool
    lanes: dict[str | None, _Lane] = field(default_factory=dict)
    responses: dict[str, _Response[Ref]] = field(default_factory=dict)
    submissions: list[_Submission[Ref]] = field(default_factory=list)

    def _lane(self, key: str | None) -> _Lane:
        return self.lanes.setdefault(key, _Lane())

    # ------------------------------------------------------------ client messages

    def client_create(self, lane: str | None) -> None:
        self._lane(lane).requested += 1

    def client_steer(self, value: dict[str, Any], ref: Ref) -> list[tuple[str, str, Ref]]:
        found = []
        if "stream_id" in value:
            found.append(
                (
                    "RSP406",
                    "response.steer carries stream_id; the steered response determines the lane, and the "
                    "event accepts only type, previous_response_id and input",
                    ref,
                )
            )
        target = value.get("previous_response_id")
        self.submissions.append(_Submission(target if isinstance(target, str) else None, ref))
        return found

    # ------------------------------------------------------------ server messages

    def created(
        self, value: dict[str, Any], ref: Ref, lane: str | None, in_flight: str | None
    ) -> list[tuple[str, str, Ref]]:
        """A response.created on ``lane``; ``in_flight``: the id of the lane's response still running."""
        resp = value.get("response") if isinstance(value.get("response"), dict) else {}
        rid = resp.get("id") if isinstance(resp.get("id"), str) else None
        prev = resp.get("previous_response_id")
        prev = prev if isinstance(prev, str) else None
        state = self._lane(lane)
        found: list[tuple[str, str, Ref]] = []
        explicit = state.requested > 0
        if explicit:
            state.requested -= 1
        before = self.responses.get(state.last) if state.last is not None else None
        automatic = (self.client_visible and not explicit) or (
            not self.client_visible and before is not None and before.ending is Ending.STEERED
        )
        if automatic and before is not None and rid != before.id:
            if prev != before.id:
                shown = "no previous_response_id" if prev is None else f"previous_response_id {prev}"
                found.append(
                    (
                        "RSP404",
                        f"automatic successor {rid} has {shown}, not the id of the response it continues "
                        f"({before.id}, line {_line(before.created)})",
                        ref,
                    )
                )
            before.successor = rid
            for sub in self._targeting(before.id):
                if sub.state is S.SUBMITTED and self.client_visible:
                    found.append(
                        (
                            "RSP407",
                            f"automatic successor {rid} of {before.id} starts while the response.steer sent "
                            f"at line {_line(sub.ref)} has had no outcome (accepted input is what a "
                            "successor commits)",
                            ref,
                        )
                    )
                    sub.state = S.COMMITTED  # one finding: the successor took it, unannounced
                elif (sub.state, _COMMIT) in STEER_TRANSITIONS:
                    sub.state = STEER_TRANSITIONS[(sub.state, _COMMIT)]
        elif explicit and prev is not None:
            # A continuation the client sent after response.steer.pending: it commits the queued input.
            for sub in self._targeting(prev):
                if sub.state is S.PENDING:
                    sub.state = S.COMMITTED
        if in_flight is not None and prev == in_flight and in_flight in self.responses:
            self.responses[in_flight].successor = rid  # the successor started before its predecessor ended
        if rid is not None and rid not in self.responses:
            self.responses[rid] = _Response(rid, lane, ref, automatic=automatic)
            state.last = rid
        return found

    def terminal(self, etype: str, value: dict[str, Any], ref: Ref) -> None:
        resp = value.get("response") if isinstance(value.get("response"), dict) else {}
        known = self.responses.get(resp.get("id")) if isinstance(resp.get("id"), str) else None
        if known is None or known.terminal is not None:
            return
        details = resp.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        if etype == "response.incomplete" and reason == "steered":
            known.ending = Ending.STEERED
        elif etype == "response.completed":
            known.ending = Ending.COMPLETED
        else:
            known.ending = Ending.OTHER
        known.terminal = ref

    def superseded(self, value: dict[str, Any], ref: Ref) -> list[tuple[str, str, Ref]]:
        """RSP405: a lifecycle event of a response whose successor has already started."""
        resp = value.get("response")
        rid = resp.get("id") if isinstance(resp, dict) else None
        known = self.responses.get(rid) if isinstance(rid, str) else None
        if known is None or known.successor is None or known.successor == rid:
            return []
        successor = self.responses.get(known.successor)
        where = f" (line {_line(successor.created)})" if successor is not None else ""
        return [
            (
                "RSP405",
                f"{value.get('type')} of response {rid} after its successor {known.successor} started{where}",
                ref,
            )
        ]

    def is_superseded(self, rid: str | None) -> bool:
        known = self.responses.get(rid) if rid is not None else None
        return known is not None and known.successor is not None

    def outcome(self, etype: str, value: dict[str, Any], ref: Ref) -> list[tuple[str, str, Ref]]:
        steer = value.get("steer") if isinstance(value.get("steer"), dict) else {}
        sid = steer.get("id") if isinstance(steer.get("id"), str) else None
        target = steer.get("previous_response_id")
        target = target if isinstance(target, str) else None
        sub = self._match(etype, sid, target)
        if sub is None:
            earlier = [
                s
                for s in self.submissions
                if (s.id == sid if sid is not None else s.target == target and s.state not in OPEN_STATES)
            ]
            if earlier:
                return [self._repeated(etype, sid, target, earlier[-1], ref)]
            if self.client_visible:
                return [
                    ("RSP401", f"{etype} for {target}, but the client sent no response.steer for it", ref)
                ]
            # Only the server's side is recorded: the outcome stands for its submission.
            sub = _Submission(target, ref)
            self.submissions.append(sub)
        nxt = STEER_TRANSITIONS.get((sub.state, etype))
        if nxt is None:
            return [self._repeated(etype, sid, target, sub, ref)]
        sub.state = nxt
        sub.outcome = ref
        if sid is not None:
            sub.id = sid
        return []

    def finish(self) -> list[tuple[str, str, Ref]]:
        """RSP403: accepted input that no successor took, and steered responses with no successor."""
        found: list[tuple[str, str, Ref]] = []
        for resp in self.responses.values():
            if resp.terminal is None:
                continue  # the per-response machine reports the missing terminal event
            queued = [s for s in self._targeting(resp.id) if s.state is S.ACCEPTED]
            must = SUCCESSOR[resp.ending or Ending.OTHER][1]
            if resp.successor is None and (must or queued):
                why = (
                    "it ended incomplete (steered), which promises an automatic successor"
                    if must
                    else f"steer accepted at line {_line(queued[0].outcome)} was neither committed by a "
                    "successor nor reported pending or failed"
                )
                found.append(
                    (
                        "RSP403",
                        f"no successor response.created follows response {resp.id}: {why}",
                        resp.terminal,
                    )
                )
        return found

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _repeated(
        etype: str, sid: str | None, target: str | None, sub: _Submission[Ref], ref: Ref
    ) -> tuple[str, str, Ref]:
        where = _line(sub.outcome if sub.outcome is not None else sub.ref)
        return (
            "RSP402",
            f"{etype} for steer {sid or 'submission'} on {target}, which already had its outcome "
            f"({sub.state.value}, line {where})",
            ref,
        )

    def _targeting(self, rid: str | None) -> Iterator[_Submission[Ref]]:
        return (s for s in self.submissions if rid is not None and s.target == rid)

    def _match(self, etype: str, sid: str | None, target: str | None) -> _Submission[Ref] | None:
        """The submission an outcome answers: by steering id once allocated, else the oldest open one."""
        if sid is not None:
            for s in self.submissions:
                if s.id == sid:
                    return s if (s.state, etype) in STEER_TRANSITIONS else None
        for s in self.submissions:
            if s.state is S.SUBMITTED and s.target == target and (s.state, etype) in STEER_TRANSITIONS:
                return s
        return None


def _line(ref: Any) -> Any:
    return getattr(ref, "line", "?")
