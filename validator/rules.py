"""The rule catalog: every finding the tool can emit, with a stable id.

Ids are ``RSP`` plus three digits; the hundreds digit is the layer (0 framing,
1 schema, 2 lifecycle, 3 consistency). An id is never reused: a retired rule
moves to ``RETIRED`` with the reason, a renamed one to ``REDIRECTS``.

Each rule's bad and good example transcripts live in ``corpus/rules/RSPnnn/``
(shipped in the wheel as ``validator/_rule_examples``) and run as tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .findings import Severity

__all__ = [
    "PROFILES",
    "REDIRECTS",
    "RETIRED",
    "RULES",
    "Rule",
    "rule",
    "select_rules",
]

PROFILES = ("openai", "open-responses")

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741
SPEC_OR = "https://www.openresponses.org/specification/2026-04-24"
SPEC_OAI = "https://platform.openai.com/docs/api-reference/responses-streaming"
WHATWG = "https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    message: str
    what: str
    why: str
    source: str
    #: Per-profile severity; ``None`` means the rule does not apply in that profile.
    profiles: Mapping[str, Severity | None] = field(default_factory=dict)
    #: Only reported with ``--strict``.
    strict_only: bool = False

    @property
    def layer(self) -> str:
        return ("framing", "schema", "lifecycle", "consistency")[int(self.id[3])]

    def severity_in(self, profile: str) -> Severity | None:
        if profile in self.profiles:
            return self.profiles[profile]
        return self.severity

    def reported_severity(
        self, profile: str, strict: bool, override: Severity | None = None
    ) -> Severity | None:
        """The severity a finding of this rule is reported with, or None when it is not reported.

        ``override`` is a severity the check documents for a condition (``Issue.severity``).
        """
        if self.strict_only and not strict:
            return None
        return override or self.severity_in(profile)

    def doc(self) -> str:
        return (
            f"{self.id} {self.name} ({self.severity.value}, {self.layer})\n\n"
            f"{self.message}\n\n"
            f"What it checks\n  {self.what}\n\n"
            f"Why it matters\n  {self.why}\n  Source: {self.source}\n"
        )


def _r(
    id: str,
    name: str,
    severity: Severity,
    message: str,
    what: str,
    why: str,
    source: str,
    profiles: Mapping[str, Severity | None] | None = None,
    strict_only: bool = False,
) -> Rule:
    return Rule(id, name, severity, message, what, why, source, dict(profiles or {}), strict_only)


_CATALOG: tuple[Rule, ...] = (
    # ---------------------------------------------------------------- 0xx framing
    _r(
        "RSP001",
        "invalid-utf8",
        E,
        "input is not valid UTF-8",
        "Every byte sequence of the stream decodes as UTF-8.",
        "An event stream is UTF-8 by definition; clients decode it before parsing and fail or substitute U+FFFD.",
        f"WHATWG event-stream: 'Event streams are always decoded as UTF-8' ({WHATWG})",
    ),
    _r(
        "RSP002",
        "invalid-json",
        E,
        "event data is not valid JSON",
        "Each SSE data payload (or JSONL line) parses as one JSON text.",
        "Every event is a JSON-encoded object; a client that cannot parse one loses it, or the whole stream.",
        f"RULES.md A2; Open Responses L84 ({SPEC_OR})",
    ),
    _r(
        "RSP003",
        "event-not-an-object",
        E,
        "event data is JSON but not an object",
        "The parsed payload is a JSON object, not an array, string, number or null.",
        "Events are objects with a `type` field; anything else cannot be dispatched.",
        "RULES.md A2",
    ),
    _r(
        "RSP004",
        "event-name-mismatch",
        E,
        "SSE event name differs from the payload's type",
        "The SSE `event:` field equals the `type` inside the data.",
        "Clients that dispatch on the SSE event name (browsers' EventSource listeners) route the event wrongly.",
        f"RULES.md A3; Open Responses L86: 'The event field MUST match the type in the event body' ({SPEC_OR})",
    ),
    _r(
        "RSP005",
        "missing-event-name",
        W,
        "SSE events carry no event: line",
        "Each SSE event has an `event:` field (reported once per stream, at the first event without one).",
        "Open Responses requires the event name; OpenAI always sends it, so its absence marks a bridge that does not speak the wire format.",
        f"RULES.md A3; Open Responses L86 ({SPEC_OR})",
        profiles={"open-responses": E},
    ),
    _r(
        "RSP006",
        "done-sentinel-sent",
        I,
        "stream sends a data: [DONE] sentinel",
        "Reports a `data: [DONE]` sentinel in the openai profile.",
        "OpenAI's Responses API does not send `[DONE]` (that is Chat Completions); the SDKs tolerate it, but it marks a bridge.",
        "RULES.md A5 (profile switch)",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP007",
        "missing-done-sentinel",
        E,
        "stream does not end with data: [DONE]",
        "In the open-responses profile the stream ends with the literal `[DONE]` after the terminal event.",
        "Open Responses makes `[DONE]` the terminal frame; clients wait for it.",
        f"RULES.md A5; Open Responses L84: 'The terminal event MUST be the literal string [DONE]' ({SPEC_OR})",
        profiles={"openai": None},
    ),
    _r(
        "RSP008",
        "data-after-done-sentinel",
        E,
        "data after the [DONE] sentinel",
        "Nothing but comments and blank lines follows `data: [DONE]`.",
        "Both SDKs stop reading at `[DONE]`; whatever follows is silently lost.",
        "RULES.md A5: 'In both, nothing may follow [DONE]'",
    ),
    _r(
        "RSP009",
        "sse-id-field",
        W,
        "SSE id: field sent",
        "Reports `id:` fields in the open-responses profile.",
        "Open Responses servers SHOULD NOT use `id`; resumption goes through `sequence_number` and `starting_after`.",
        f"RULES.md A4; Open Responses L86 ({SPEC_OR})",
        profiles={"openai": None},
    ),
    _r(
        "RSP010",
        "unknown-sse-field",
        W,
        "unknown SSE field",
        "Every non-comment SSE line is one of `event`, `data`, `id`, `retry`.",
        "Clients ignore unknown fields, so whatever the server meant to send there is lost; usually a framing bug (a missing `data:` prefix).",
        f"WHATWG event-stream interpretation ({WHATWG})",
    ),
    _r(
        "RSP011",
        "unterminated-last-event",
        W,
        "last event is not followed by a blank line",
        "The final SSE event is terminated by an empty line.",
        "The WHATWG algorithm discards an event that is not terminated at end of file; several clients do, others dispatch it.",
        f"RULES.md A7; WHATWG: 'If the file ends in the middle of an event, before the final empty line, the incomplete event is not dispatched' ({WHATWG})",
    ),
    _r(
        "RSP012",
        "empty-stream",
        E,
        "stream contains no events",
        "The input holds at least one event.",
        "An empty body for a streaming request is a server failure that clients report as an empty reply.",
        "RULES.md C1, C6",
    ),
    # ---------------------------------------------------------------- 1xx schema
    _r(
        "RSP013",
        "websocket-done-before-terminal",
        E,
        "[DONE] frame before the turn's terminal event",
        "Over WebSocket, a `[DONE]` text frame comes only after the in-flight response's terminal event.",
        "The Open Responses compliance suite fails a turn with 'Received [DONE] before a terminal WebSocket event'.",
        "RULES.md A5, M (OR-CT WebSocket sessions)",
    ),
    _r(
        "RSP014",
        "not-an-event-stream",
        E,
        "streaming response is not text/event-stream",
        "A request with `stream: true` is answered with status 200 and `Content-Type: text/event-stream` (checked by `probe` and in recorded cassettes and HAR files).",
        "Clients parse the body as SSE only when the server says it is one; anything else is an error to them.",
        f"RULES.md A1; Open Responses L84 ({SPEC_OR})",
    ),
    _r(
        "RSP015",
        "pre-stream-error-not-json",
        E,
        "rejected request not answered with a 4xx JSON error",
        'A malformed request gets a 4xx status and an `application/json` body `{"error": {"message": …}}`, even with `stream: true` (checked by `probe` and in recorded cassettes and HAR files).',
        "SDKs raise a typed error from that body; an event stream or an HTML page gives them nothing to raise.",
        "RULES.md A8; Open Responses 'Errors' section",
    ),
    _r(
        "RSP101",
        "missing-event-type",
        E,
        "event has no string type",
        "Every event object carries a string `type`.",
        "The schema, and every client's dispatch, is chosen by `type`.",
        "EVENTS.md §2; RULES.md A2",
    ),
    _r(
        "RSP102",
        "unknown-event-type",
        W,
        "unknown event type",
        "The `type` names an event of the profile (extension types `slug:name` are allowed).",
        "Clients ignore or reject unknown types; the openai-node accumulator throws on them.",
        f"RULES.md A9, L1; EVENTS.md §12.1 ({SPEC_OR})",
        profiles={"open-responses": E},
    ),
    _r(
        "RSP103",
        "schema-violation",
        E,
        "event does not match its schema",
        "The event validates against the JSON Schema for its `type` in the active profile.",
        "Typed clients (the SDKs' pydantic and zod models) reject or mis-read a malformed event.",
        f"RULES.md A2; EVENTS.md §5 ({SPEC_OAI})",
    ),
    _r(
        "RSP104",
        "chat-completions-payload",
        E,
        "payload is a Chat Completions chunk, not a Responses event",
        "The payload is not a `chat.completion.chunk` object.",
        "A bridge that answers /v1/responses with Chat Completions chunks gives Responses clients nothing they can read.",
        "corpus NOTES.md (semantic-router, LiteLLM error frames)",
    ),
    _r(
        "RSP105",
        "field-drift",
        W,
        "field required by the newest spec is missing",
        "With --strict, also checks fields the newest spec requires but streams from earlier API versions omit.",
        "The stream is valid for its API version, but a client generated from the newest spec may expect the field.",
        "EVENTS.md §10; schemas/README.md (drift table)",
        strict_only=True,
    ),
    _r(
        "RSP106",
        "flat-error-shape",
        I,
        "error event uses the flat documented shape",
        "Reports an `error` event in the flat OAS shape (`code`/`message` at the top level) in the openai profile.",
        "The real wire nests the payload in `error`; openai-python only raises on the nested shape and swallows the flat one.",
        "RULES.md J1; EVENTS.md §8",
        profiles={"open-responses": None},
    ),
    # ---------------------------------------------------------------- 2xx lifecycle
    _r(
        "RSP107",
        "malformed-websocket-error",
        E,
        "WebSocket error message does not have the error envelope shape",
        "A WebSocket `error` message carries an `error` object with a string `message` (OpenAI `ResponseWsError`); in the open-responses profile also an integer `status` and a string `error.code`.",
        "Clients read the failure from the envelope; the compliance suite records `error.code`.",
        "RULES.md K2; EVENTS.md §8 C/D",
    ),
    _r(
        "RSP108",
        "invalid-stream-id",
        E,
        "stream_id is not 1-256 characters of [A-Za-z0-9_.-]",
        "A `stream_id` matches `^[A-Za-z0-9_.-]+$` and is 1 to 256 characters long.",
        "OpenAI rejects other values in `response.create`; a server that echoes a different value breaks lane routing.",
        "RULES.md K4",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP109",
        "transport-field-in-websocket-create",
        W,
        "response.create over WebSocket sends stream, stream_options or background",
        "The client's `response.create` message carries no `stream`, `stream_options` or `background`.",
        "These are HTTP/SSE fields: Open Responses forbids them over WebSocket; OpenAI says stream is implicit and background unsupported.",
        f"RULES.md K1; Open Responses L99 ({SPEC_OR})",
        profiles={"open-responses": E},
    ),
    _r(
        "RSP201",
        "missing-sequence-number",
        E,
        "event has no sequence_number",
        "Every event carries an integer `sequence_number` when the stream numbers its events at all.",
        "Clients order events and resume (`starting_after`) by sequence number.",
        "RULES.md B1; OAS: required on all 58 stream events",
    ),
    _r(
        "RSP202",
        "sequence-numbers-absent",
        W,
        "no event carries a sequence_number",
        "Reports, once, a stream in which no event has `sequence_number` (the pre-May-2025 API).",
        "Valid for its era, but current clients cannot order or resume such a stream.",
        "RULES.md B1; corpus NOTES.md (pre-May-2025 streams)",
        profiles={"open-responses": E},
    ),
    _r(
        "RSP203",
        "sequence-start-not-zero",
        E,
        "first sequence_number is not 0",
        "A stream that starts with response.created numbers it 0.",
        "Numbering from 0 lets clients detect lost events at the start and resume with `starting_after`.",
        "RULES.md B3",
    ),
    _r(
        "RSP204",
        "sequence-gap",
        E,
        "sequence_number skips values",
        "Each sequence_number is the previous one plus 1.",
        "A gap means events were lost or dropped between server and client.",
        f"RULES.md B3; Open Responses L765 'allows clients to order events and detect gaps' ({SPEC_OR})",
    ),
    _r(
        "RSP205",
        "sequence-not-increasing",
        E,
        "sequence_number does not increase",
        "Each sequence_number is greater than the previous one.",
        "A repeated or decreasing number means duplicated or reordered events; resumption would skip or repeat them.",
        "RULES.md B2",
    ),
    _r(
        "RSP206",
        "first-event-not-created",
        E,
        "stream does not start with response.created",
        "The first event is response.created, unless the stream is resumed (first sequence_number above 0) or checked with --fragment.",
        "Both SDK accumulators throw when anything else comes first.",
        "RULES.md C1; openai-python _create_initial_response, openai-node accumulator",
    ),
    _r(
        "RSP207",
        "invalid-response-transition",
        E,
        "response lifecycle event out of order",
        "Lifecycle events follow created → [queued] → in_progress → terminal, each at most once.",
        "A client's response state goes backwards or skips a state; completed without in_progress is rejected by the Open Responses state machine.",
        "RULES.md C2, C3, C4",
    ),
    _r(
        "RSP208",
        "event-after-terminal",
        E,
        "event after the terminal event",
        "Nothing but `[DONE]` follows response.completed, response.incomplete or response.failed.",
        "Clients stop at the terminal event; anything after it is lost.",
        "RULES.md C5",
    ),
    _r(
        "RSP209",
        "missing-terminal-event",
        E,
        "stream ends without a terminal event",
        "The stream reaches response.completed, response.incomplete or response.failed before it ends.",
        "'Stream closed before response.completed': clients raise or return an empty reply.",
        "RULES.md C6; openai-python get_final_response",
    ),
    _r(
        "RSP210",
        "response-status-mismatch",
        E,
        "response.status does not match its event",
        "created carries in_progress or queued, queued carries queued, in_progress in_progress, and each terminal event its own status.",
        "Clients read the status from the snapshot; a completed event with status in_progress contradicts itself.",
        "RULES.md C7",
    ),
    _r(
        "RSP211",
        "response-id-changed",
        E,
        "response id changes within the stream",
        "Every response snapshot in the stream has the same `id`.",
        "Clients key the response by id; a changing id splits one response in two.",
        "RULES.md C8",
    ),
    _r(
        "RSP212",
        "incomplete-without-details",
        E,
        "response.incomplete without incomplete_details.reason",
        "A response.incomplete snapshot says why in `incomplete_details.reason`.",
        "Clients show the reason (max_output_tokens, content_filter) to users.",
        "RULES.md C10",
    ),
    _r(
        "RSP213",
        "failed-without-error",
        E,
        "response.failed without response.error",
        "A response.failed snapshot carries a non-null `error` with code and message.",
        "Without it, a client can only say 'failed' and not why.",
        "RULES.md C10",
    ),
    _r(
        "RSP214",
        "event-after-error",
        E,
        "event after an error event other than response.failed",
        "After an `error` event, the only event allowed is response.failed.",
        "Open Responses: 'Any error incurred while streaming will be followed by a response.failed event'; SDKs stop at `error`.",
        f"RULES.md C11, J2 ({SPEC_OR})",
    ),
    _r(
        "RSP215",
        "item-event-before-in-progress",
        W,
        "output event before response.in_progress",
        "Output-item events come after response.in_progress.",
        "The Open Responses diagram reaches output_item.added only from in_progress.",
        "RULES.md C13",
    ),
    _r(
        "RSP216",
        "completed-at-on-unfinished",
        W,
        "completed_at set on a response that is not completed",
        "`completed_at` is null unless the response status is completed.",
        "OAS: 'Only present when the status is completed'.",
        "RULES.md C9",
    ),
    _r(
        "RSP217",
        "resumed-stream",
        I,
        "resumed stream: checked from its first sequence_number",
        "Recognises a resumed stream (`starting_after`): the first event is not response.created and its sequence_number is above 0.",
        "Such streams legitimately lack the start of the lifecycle; checking starts where they start.",
        "RULES.md B4",
    ),
    _r(
        "RSP220",
        "unknown-item",
        E,
        "event refers to an output item that was not added",
        "response.output_item.added precedes every event that refers to the item by output_index or item_id.",
        "Clients index their output by output_index; an event for an unknown item crashes them ('missing output at index N').",
        "RULES.md D1",
    ),
    _r(
        "RSP221",
        "output-index-not-sequential",
        E,
        "output_index is not the next index",
        "Each output_item.added has output_index equal to the number of items added before it.",
        "openai-node appends and throws unless index == output.length; openai-python indexes the list.",
        "RULES.md D2",
    ),
    _r(
        "RSP222",
        "duplicate-item-id",
        E,
        "item id (or call_id) already used",
        "Item ids are unique within a response; so are call_ids of each call type.",
        "Clients match tool outputs and later events by id.",
        "RULES.md D3",
    ),
    _r(
        "RSP223",
        "item-id-mismatch",
        E,
        "item_id does not match the item at output_index",
        "Each item-scoped event's item_id equals the id of the item at its output_index.",
        "openai-node throws 'expected item_id'; clients that key by id and by index disagree.",
        "RULES.md D4",
    ),
    _r(
        "RSP224",
        "wrong-item-type-for-event",
        E,
        "event family does not fit the item's type",
        "Text events target messages, argument events function calls, reasoning events reasoning items, tool status events their tool's items.",
        "openai-node throws 'expected output item type'; the event cannot be applied.",
        "RULES.md D5",
    ),
    _r(
        "RSP225",
        "item-done-mismatch",
        E,
        "output_item.done differs in identity from output_item.added",
        "The done item has the same type, id, call_id and output_index as the added item.",
        "openai-node validates the completed item's identity.",
        "RULES.md D6",
    ),
    _r(
        "RSP226",
        "item-done-twice",
        E,
        "output item closed twice",
        "Each item gets exactly one response.output_item.done.",
        "A second done re-delivers or replaces a finished item.",
        "RULES.md D6",
    ),
    _r(
        "RSP227",
        "event-after-item-done",
        E,
        "event for an item after its output_item.done",
        "No event refers to an item after its output_item.done.",
        "Open Responses: 'no updates may be made to the item after the item has moved into this state'.",
        f"RULES.md D7 ({SPEC_OR})",
    ),
    _r(
        "RSP228",
        "item-not-closed",
        E,
        "output item never closed",
        "Every added item gets response.output_item.done before the terminal event and before the stream ends.",
        "Clients that wait for the item's done never see its final state (lost tool calls).",
        "RULES.md D8",
    ),
    _r(
        "RSP229",
        "item-status-not-final",
        W,
        "output_item.done item has a non-final status",
        "The item in output_item.done has a terminal status (completed, incomplete, failed).",
        "The item is done, yet says it is still running.",
        "RULES.md D9",
    ),
    _r(
        "RSP230",
        "tool-status-out-of-order",
        E,
        "hosted tool status event out of order",
        "A hosted tool's status events go forward (in_progress → searching/interpreting/generating → completed) and each comes once.",
        "Clients update the item's status from these events; going backwards or repeating contradicts it.",
        "RULES.md G5",
    ),
    _r(
        "RSP231",
        "tool-status-incomplete",
        W,
        "hosted tool item closed without its completed event",
        "A hosted tool item that announced in_progress reaches its `.completed` (or `.failed`) event before output_item.done.",
        "Clients that wait for the status event never see the tool finish.",
        "RULES.md G5; corpus NOTES.md (Azure web_search_preview, image_generation)",
    ),
    _r(
        "RSP232",
        "item-status-mismatch",
        W,
        "done item's status contradicts its status events",
        "The status in output_item.done agrees with the last hosted-tool status event (completed ↔ completed, failed ↔ failed).",
        "The two sources of the same status disagree.",
        "RULES.md G5",
    ),
    _r(
        "RSP233",
        "incomplete-item-not-last",
        E,
        "the response goes on after an item ended incomplete",
        "An item whose output_item.done has status incomplete is the last item added, and the response then ends with response.incomplete (or response.failed).",
        "Open Responses: 'If an item ends in a terminal state, it MUST be the last item emitted, and the containing response also MUST be in an incomplete state'; a client that stops at the cut-off item misses the rest, and a completed response hides the truncation.",
        f"RULES.md C14; Open Responses L230 ({SPEC_OR})",
    ),
    _r(
        "RSP240",
        "unknown-part",
        E,
        "event refers to a content or summary part that was not added",
        "content_part.added (or reasoning_summary_part.added) precedes every event for that part.",
        "Clients index parts by content_index/summary_index ('missing content at index N').",
        "RULES.md E1, F1",
    ),
    _r(
        "RSP241",
        "part-index-not-sequential",
        E,
        "content_index/summary_index is not the next index",
        "Each added part's index equals the number of parts already added to that item.",
        "openai-node appends and throws unless index == length.",
        "RULES.md E2, F1",
    ),
    _r(
        "RSP242",
        "duplicate-part",
        E,
        "part added twice",
        "Each (item, index) part is added once.",
        "A second added resets the part in clients.",
        "RULES.md E5",
    ),
    _r(
        "RSP243",
        "event-after-part-done",
        E,
        "event for a part after its done",
        "No delta, done or annotation event refers to a part after its content_part.done / reasoning_summary_part.done.",
        "The part is final; clients drop or misapply later text.",
        "RULES.md E5",
    ),
    _r(
        "RSP244",
        "part-not-closed",
        E,
        "part never closed",
        "Every added part is closed before its item's output_item.done.",
        "Clients waiting for the part's done never get its final text.",
        "RULES.md E6",
    ),
    _r(
        "RSP245",
        "part-type-mismatch",
        E,
        "part type does not fit the event",
        "output_text events target output_text parts, refusal events refusal parts, reasoning text events reasoning_text parts; the done part has the added part's type.",
        "openai-node throws 'expected content to be output_text'.",
        "RULES.md E7",
    ),
    _r(
        "RSP246",
        "delta-after-done",
        E,
        "delta after the stream's done event",
        "No delta follows the `.done` event of the same text stream (part, arguments, code, input).",
        "The done event carries the final text; a later delta is lost or corrupts it.",
        "RULES.md E3",
    ),
    _r(
        "RSP247",
        "missing-text-done",
        E,
        "text stream closed without its done event",
        "A text stream that received deltas ends with its `.done` event before its part or item is closed.",
        "Clients take the final text from the done event (e.g. function_call_arguments.done).",
        "RULES.md E3, G1",
    ),
    _r(
        "RSP248",
        "initial-part-not-empty",
        W,
        "added part is not empty",
        "The part in content_part.added / reasoning_summary_part.added has empty text and no annotations.",
        "Clients append deltas to the added part; initial text would be duplicated.",
        "RULES.md E8, F2",
    ),
    _r(
        "RSP249",
        "duplicate-text-done",
        E,
        "done event sent twice for one text stream",
        "Each text stream has exactly one `.done` event.",
        "A second done replaces the final text.",
        "RULES.md E3",
    ),
    # ---------------------------------------------------------------- 3xx consistency
    _r(
        "RSP250",
        "websocket-multiplexed",
        E,
        "a response starts while another is in flight",
        "On one WebSocket connection a response starts only after the previous one ended (openai profile: per `stream_id` lane; open-responses profile: per connection).",
        "Turns are processed sequentially; interleaved events cannot be attributed to their response.",
        f"RULES.md K3; Open Responses L119 ({SPEC_OR})",
    ),
    _r(
        "RSP251",
        "stream-id-not-echoed",
        E,
        "event does not echo its response's stream_id",
        "When a response's events carry a `stream_id`, every event of that response carries it.",
        "Clients route events to their lane by `stream_id`; an event without it cannot be routed.",
        "RULES.md K4",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP260",
        "probe-expectation-unmet",
        E,
        "the probe scenario's expectation is not met",
        "A live-probe scenario reached its goal: terminal status completed, non-empty output, and the scenario's own item (a function_call for the tool scenarios, JSON text for structured output).",
        "The Open Responses compliance suite checks the same outcomes (hasOutput, completedStatus, hasOutputType).",
        "RULES.md M",
    ),
    _r(
        "RSP301",
        "delta-concat-mismatch",
        E,
        "concatenated deltas differ from the done text",
        "For every text stream, the deltas concatenated in order equal the text of its `.done` event, exactly.",
        "Clients that render deltas show a different text from clients that take the done text.",
        "RULES.md E9, F3, G1, G4",
    ),
    _r(
        "RSP302",
        "done-part-mismatch",
        E,
        "done text differs from the closed part",
        "The `.done` text equals the text of the part in content_part.done / reasoning_summary_part.done.",
        "Two final versions of one part disagree.",
        "RULES.md E9, F3",
    ),
    _r(
        "RSP303",
        "part-item-mismatch",
        E,
        "item in output_item.done differs from its streamed parts",
        "The item in output_item.done holds the final text of every part (and the final arguments, input or code).",
        "Clients that keep the done item and clients that keep the streamed text disagree.",
        "RULES.md E9, F3, G1, G4",
    ),
    _r(
        "RSP304",
        "final-output-mismatch",
        E,
        "terminal response.output item differs from output_item.done",
        "Each item in the terminal response's output equals the item of its output_item.done (include-only fields such as encrypted_content excepted).",
        "openai-python uses the terminal snapshot, openai-node the streamed items: they must agree.",
        "RULES.md D13, D12",
    ),
    _r(
        "RSP305",
        "final-output-count-mismatch",
        E,
        "terminal response.output does not hold every streamed item",
        "The terminal response's output has exactly the streamed items, in output_index order.",
        "An empty or short final output gives an empty reply to clients that read the final response.",
        "RULES.md D13; agentgateway#3326",
    ),
    _r(
        "RSP306",
        "annotation-index-not-sequential",
        E,
        "annotation_index is not the next index",
        "annotation_index counts 0, 1, 2 … per part (or replaces an existing index).",
        "openai-node validates the index against the part's annotations.",
        "RULES.md I1",
    ),
    _r(
        "RSP307",
        "annotation-missing-from-part",
        E,
        "announced annotation missing from the final part",
        "Each annotation from output_text.annotation.added appears, at its index, in the final part's annotations.",
        "Citations shown while streaming vanish from the final message.",
        "RULES.md I2",
    ),
    _r(
        "RSP308",
        "usage-total-mismatch",
        E,
        "usage.total_tokens is not input_tokens + output_tokens",
        "In the terminal response's usage, total_tokens equals input_tokens plus output_tokens.",
        "Billing and budget code trusts these numbers.",
        "OAS ResponseUsage",
    ),
    _r(
        "RSP309",
        "partial-image-index-not-sequential",
        E,
        "partial_image_index does not count 0, 1, 2 …",
        "partial_image_index starts at 0 and grows by one per image generation item.",
        "OAS: '0-based index for the partial image'.",
        "RULES.md H1",
    ),
    _r(
        "RSP310",
        "logprobs-mismatch",
        W,
        "done logprobs differ from the deltas' logprobs",
        "When deltas carry logprobs, the done event's logprobs are their concatenation.",
        "Token-level consumers see different data in the two places.",
        "RULES.md E10",
    ),
    _r(
        "RSP311",
        "function-name-mismatch",
        E,
        "function_call_arguments.done name differs from the item's name",
        "The `name` on function_call_arguments.done equals the function_call item's name.",
        "The client would call a different function from the one announced.",
        "RULES.md G2",
    ),
    _r(
        "RSP312",
        "arguments-not-json",
        W,
        "final function arguments are not a JSON object",
        "The final `arguments` of a function call is a JSON object text.",
        "OAS: 'A JSON string of the arguments to pass to the function'; clients json.loads it.",
        "RULES.md G3",
    ),
    _r(
        "RSP313",
        "annotation-span-out-of-range",
        W,
        "annotation span outside the text",
        "For url_citation and container_file_citation, 0 ≤ start_index ≤ end_index ≤ length of the final text.",
        "Clients slice the text with these indices.",
        "RULES.md I3",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _CATALOG}

#: Retired ids with the reason; never reused.
RETIRED: dict[str, str] = {}
#: Old id -> current id.
REDIRECTS: dict[str, str] = {}


def rule(rule_id: str) -> Rule:
    return RULES[REDIRECTS.get(rule_id, rule_id)]


def _matches(rule_id: str, name: str, patterns: Iterable[str]) -> bool:
    return any(rule_id.startswith(p.upper()) or name == p for p in patterns)


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> frozenset[str]:
    """Ids enabled by ``--select``/``--ignore`` (ids, id prefixes or rule names)."""
    select, ignore = list(select), list(ignore)
    return frozenset(
        r.id
        for r in _CATALOG
        if (not select or _matches(r.id, r.name, select)) and not _matches(r.id, r.name, ignore)
    )
