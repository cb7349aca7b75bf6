"""Responses rules, 4xx connection: a WebSocket connection as a sequence of responses (steering)."""

from __future__ import annotations

from validator.catalog.responses.sources import E
from validator.catalog.rule import Rule
from validator.catalog.rule import make as _r

RULES: tuple[Rule, ...] = (
    _r(
        "RSP401",
        "steer-outcome-without-steer",
        E,
        "steer outcome for no steer submission",
        "Over WebSocket, each `response.steer.accepted`, `.pending` or `.failed` answers a `response.steer` the client sent for that response (`steer.previous_response_id`; judged when the transcript holds the client's messages; openai profile).",
        "The client matches outcomes to its submissions: an outcome for nothing it sent makes it resend or drop input it still owns. Gateways that rewrite `response.steer` into `response.create` (CLIProxyAPI, opencodex) produce such orphans.",
        "openai-python 3.8.0+ `response_steer_event.py`, `response_steer_accepted_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses); CLIProxyAPI PR #5775, opencodex PR #4782",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP402",
        "steer-outcome-repeated",
        E,
        "second outcome for one steer submission",
        "A steer submission gets one outcome (accepted, or failed before an id was allocated); after acceptance at most one `response.steer.pending` and at most one `response.steer.failed` with the same `steer.id`, and nothing once a successor committed it (the transitions are `STEER_TRANSITIONS` in `validator/protocols/responses/connection.py`).",
        "The SDK: pending 'is emitted at most once per steering submission'; a second accepted or failed for one id makes the client apply or resend the input twice.",
        "openai-python 3.63.0 `response_steer_pending_event.py`, `response_steer_failed_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses) ('Failures after acceptance include the same steering ID')",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP403",
        "steer-not-honoured",
        E,
        "accepted steer or steered response without its successor",
        'A response that ends `response.incomplete` with `incomplete_details.reason: "steered"` is followed on its lane by an automatic successor `response.created`; a response with accepted steering input still queued when it ends is followed by a successor, or the input is reported with `response.steer.pending` or `response.steer.failed`. Reported at the terminal event.',
        "Acceptance means the server owns the input and 'the successor's response.created event is the commit point': without it the user's steering is silently lost and the client must not resend it.",
        "openai-python 3.63.0 `response_steer_event.py`, `response_steer_accepted_event.py`, `response_incomplete_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses); vLLM agentic-api#333 acceptance criteria",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP404",
        "successor-not-chained",
        E,
        "automatic successor's previous_response_id does not name the response it continues",
        "An automatic successor `response.created` (no client `response.create` before it on the lane; or, in a server-only transcript, the response after one that ended steered) carries `response.previous_response_id` equal to the id of the lane's previous response.",
        "'Automatic successors inherit the previous response's settings and continue from it': a client that follows the conversation by previous_response_id loses the thread.",
        "openai-python 3.63.0 `response_steer_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses)",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP405",
        "event-after-successor",
        E,
        "event of a response after its successor started",
        "Once a successor's `response.created` names a response as its `previous_response_id`, no lifecycle event of that response follows (its terminal event comes before the successor).",
        "The successor is the commit point of the steering input; events of the old response after it cannot be ordered by the client, which has already moved to the new response.",
        "openai-python 3.63.0 `response_steer_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses) ('finish at a safe output boundary with response.incomplete … followed automatically by a successor response.created')",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP406",
        "steer-with-stream-id",
        E,
        "response.steer sent with a stream_id",
        "The client's `response.steer` message carries only `type`, `previous_response_id` and `input`; no `stream_id`.",
        "The SDK: 'Do not send stream_id; the target response determines the WebSocket lane'; a server rejects the event as invalid input.",
        "openai-python 3.63.0 `response_steer_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses)",
        profiles={"open-responses": None},
    ),
    _r(
        "RSP407",
        "steer-never-answered",
        E,
        "automatic successor starts while a steer submission has no outcome",
        "Before an automatic successor `response.created` continues a response, every `response.steer` the client sent for that response has had its outcome (`response.steer.accepted` or `.failed`): acceptance comes first, the successor is its commit point. Judged when the transcript holds the client's messages; reported at the successor.",
        "The client cannot tell whether its input was taken and must not resend accepted input: an unanswered steer followed by a successor leaves it guessing. Gateways that turn `response.steer` into a new request do this (CLIProxyAPI, opencodex).",
        "openai-python 3.63.0 `response_steer_event.py`, `response_steer_accepted_event.py` (https://github.com/openai/openai-python/tree/v3.63.0/src/openai/types/responses); https://github.com/router-for-me/CLIProxyAPI/issues/5968; CLIProxyAPI PR #5775, opencodex PR #4782, #4864",
        profiles={"open-responses": None},
    ),
)
