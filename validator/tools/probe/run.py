"""Running probe scenarios over HTTP: send each request, read the whole answer, check it.

Each streamed body is checked with the full rule set (the engine) and with the scenario's own
expectations (RSP260), and can be saved to re-check offline or commit as a fixture. This is
where the probe touches the network.

Each scenario gives a :class:`ScenarioResult`, a ``FileResult`` with the scenario's name and
HTTP facts, so every reporter renders probe results.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from validator.engine import CheckOptions, FileResult, check_bytes
from validator.engine.containers import make_finding
from validator.engine.stream import error_body_message
from validator.model.findings import Finding
from validator.protocols import PROTOCOLS
from validator.tools.probe import chat, messages
from validator.tools.probe.replay import SCENARIO_HEADER
from validator.tools.probe.scenarios import SCENARIOS, Outcome, Scenario, decoded_events

TERMINAL = ("response.completed", "response.failed", "response.incomplete")


class ProbeError(Exception):
    """The endpoint cannot be reached at all (exit 2): connection refused, DNS, connect timeout."""


# ---------------------------------------------------------------- running one scenario


@dataclass
class ScenarioResult(FileResult):
    """A FileResult for one probe scenario (``path`` is the saved transcript, or ``<probe name>``)."""

    scenario: str = ""
    title: str = ""
    url: str = ""
    status: int | None = None
    content_type: str = ""
    saved: str | None = None
    seconds: float = 0.0
    #: Scenario-level notes shown by the text output (what was received).
    notes: list[str] = field(default_factory=list)
    #: Set when the server declined the scenario with a well-formed 4xx JSON error (its message):
    #: a legitimate answer to a request it chose not to support, not a protocol error.
    unsupported: str | None = None
    #: Set when the server would not serve the probe at all (401, 403, 429): why, and what to do.
    #: Not a protocol error either: nothing was checked (also in ``error``; exit 2).
    could_not_run: str | None = None


def _preview(body: bytes, limit: int = 120) -> str:
    text = body[:limit].decode("utf-8", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")
    return text + ("…" if len(body) > limit else "")


def _outcome(body: bytes) -> Outcome:
    """The events of a streamed body and the terminal response."""
    events: list[dict[str, Any]] = []
    positions: list[tuple[int, int, int]] = []
    outcome = Outcome(events, positions)
    for data, pos in decoded_events(body):
        events.append(data)
        positions.append(pos)
        if data.get("type") in TERMINAL and isinstance(data.get("response"), dict):
            outcome.final, outcome.final_at = data["response"], pos
    return outcome


def _save(save_dir: Path | None, name: str, suffix: str, body: bytes) -> str | None:
    if save_dir is None:
        return None
    path = save_dir / f"{name}{suffix}"
    path.write_bytes(body)
    return str(path)


def _finding(
    rule: str, message: str, path: str, at: tuple[int, int, int], options: CheckOptions
) -> list[Finding]:
    # RSP014/RSP015/RSP260 under the probed protocol's own ids (AN013/AN014/AN260 for Messages).
    named = PROTOCOLS[options.named_protocol() or "responses"].reading_rules.get(rule, rule)
    if named is None:
        return []
    f = make_finding(named, message, path, at, options)
    return [f] if f is not None else []


#: 4xx statuses that decline this request rather than every request (a bad key, 401/403, or a
#: rate limit, 429, says nothing about the scenario: the probe could not run, _COULD_NOT_RUN).
_DECLINED = frozenset({400, 404, 405, 415, 422})


#: Statuses that say the probe could not run, whatever the scenario: the key is missing or wrong,
#: may not use this endpoint or model, or is rate limited. What the user does about each.
_COULD_NOT_RUN = {
    401: ("Unauthorized", "the API key is missing or was refused: check it ({key})"),
    403: ("Forbidden", "the API key may not use this endpoint or model: check its permissions ({key})"),
    429: ("Too Many Requests", "rate limited or out of quota: retry later{after}"),
}


def _could_not_run(status: int, body: bytes, retry_after: str | None, target: Target) -> str:
    """Why the probe could not run: the status, the server's words, what to do about it."""
    reason, advice = _COULD_NOT_RUN[status]
    said = error_body_message(body, target.protocol)
    words = said[0] if said is not None else _preview(body)
    key = f"--api-key-env VAR, {target.key_env} by default"
    after = f" (Retry-After: {retry_after})" if retry_after else ""
    return f"HTTP {status} {reason}: {words or '(empty body)'}; {advice.format(key=key, after=after)}"


def _rejected_problem(status: int, content_type: str, body: bytes) -> str | None:
    """Why an answer to a malformed request is not a clean 4xx JSON error, or None."""
    what = f"HTTP {status} ({content_type or 'no content type'})"
    if not 400 <= status < 500:
        return f"malformed request answered with {what}, expected a 4xx JSON error: {_preview(body)}"
    if content_type.split(";")[0].strip().lower() != "application/json":
        return f"malformed request answered with {what}, expected application/json: {_preview(body)}"
    try:
        value = json.loads(body)
    except ValueError:
        return f"4xx answer is not valid JSON: {_preview(body)}"
    err = value.get("error") if isinstance(value, dict) else None
    if not isinstance(err, dict) or not isinstance(err.get("message"), str):
        return f'4xx answer is not {{"error": {{"message": …}}}}: {_preview(body)}'
    return None


def run_scenario(
    client: httpx.Client,
    url: str,
    scenario: Scenario,
    model: str,
    options: CheckOptions,
    save_dir: Path | None = None,
    headers: dict[str, str] | None = None,
    target: Target | None = None,
) -> ScenarioResult:
    """Send one scenario, read the whole answer, check it. Raises ProbeError if unreachable."""
    target = target or TARGETS["responses"]
    options = options.for_protocol(target.protocol)
    body_json = {**scenario.request(model), "stream": True}
    sent = {
        "Content-Type": "application/json",
        "Accept": "application/json" if scenario.rejected else "text/event-stream",
        SCENARIO_HEADER: scenario.name,
        **(headers or {}),
    }
    started = time.monotonic()
    chunks: list[bytes] = []
    timeout_note: str | None = None
    try:
        with client.stream("POST", url, json=body_json, headers=sent) as response:
            status = response.status_code
            content_type = response.headers.get("content-type", "")
            try:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
            except httpx.ReadTimeout:
                received = sum(map(len, chunks))
                timeout_note = f"no data for {client.timeout.read} s; stopped reading after {received} bytes"
            except httpx.RemoteProtocolError as exc:
                timeout_note = f"connection broke mid-body ({exc})"
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ProbeError(f"cannot connect to {url}: {_reason(exc)}") from exc
    except httpx.ReadTimeout as exc:
        raise ProbeError(
            f"{url} accepted the connection but sent no response headers within the timeout"
        ) from exc
    except httpx.HTTPError as exc:
        raise ProbeError(f"request to {url} failed: {_reason(exc)}") from exc
    body = b"".join(chunks)
    is_sse = content_type.split(";")[0].strip().lower() == "text/event-stream"
    result = ScenarioResult(
        path=f"<probe {scenario.name}>",
        scenario=scenario.name,
        title=scenario.title,
        url=url,
        status=status,
        content_type=content_type,
        input_format="sse" if is_sse else None,
    )
    if status in _COULD_NOT_RUN:
        result.saved = _save(save_dir, scenario.name, ".json", body)
        result.path = result.saved or result.path
        retry_after = response.headers.get("retry-after")
        result.could_not_run = _could_not_run(status, body, retry_after, target)
        result.error = f"the probe could not run: {result.could_not_run}"
    elif scenario.rejected:
        result.saved = _save(save_dir, scenario.name, ".sse" if is_sse else ".json", body)
        result.path = result.saved or result.path
        problem = _rejected_problem(status, content_type, body)
        if problem:
            result.findings += _finding("RSP015", problem, result.path, (1, 1, 0), options)
    elif status in _DECLINED and _rejected_problem(status, content_type, body) is None:
        result.saved = _save(save_dir, scenario.name, ".json", body)
        result.path = result.saved or result.path
        result.unsupported = f"HTTP {status}: {json.loads(body)['error']['message']}"
    elif status != 200 or not is_sse:
        result.saved = _save(save_dir, scenario.name, ".txt", body)
        result.path = result.saved or result.path
        message = (
            f"expected HTTP 200 text/event-stream, got HTTP {status} "
            f"({content_type or 'no content type'}): {_preview(body)}"
        )
        result.findings += _finding("RSP014", message, result.path, (1, 1, 0), options)
    else:
        result.saved = _save(save_dir, scenario.name, ".sse", body)
        result.path = result.saved or result.path
        # The request is known: the rules that depend on it apply (Chat Completions' n, include_usage).
        checked = check_bytes(body, result.path, dataclasses.replace(options, request=body_json))
        result.events, result.findings = checked.events, list(checked.findings)
        result.profiles = checked.profiles
        outcome = target.outcome(body)
        # What a scenario may demand depends on the profile (argument deltas, RSP260).
        outcome.profile = options.profile or outcome.profile
        for check in scenario.checks:
            for problem in check(outcome):
                result.findings += _finding("RSP260", problem, result.path, outcome.final_at, options)
        result.findings.sort(key=Finding.sort_key)
    if timeout_note is not None:
        result.error = timeout_note if result.error is None else f"{result.error}; {timeout_note}"
    result.seconds = time.monotonic() - started
    return result


def _reason(exc: BaseException) -> str:
    """The innermost cause's text: 'Connection refused', not the whole chain."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc) or type(exc).__name__
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text


@dataclass(frozen=True)
class Target:
    """What the probe needs to know of one protocol's endpoint."""

    protocol: str
    scenarios: dict[str, Scenario]
    #: base URL -> the endpoint's URL.
    url: Any
    #: streamed body -> its events and final object, for the scenarios' expectations.
    outcome: Any
    #: API key -> the headers that carry it.
    auth: Any
    #: Sent with every request.
    headers: dict[str, str] = field(default_factory=dict)
    #: Where the key is read from by default.
    key_env: str = "OPENAI_API_KEY"


def responses_url(base_url: str) -> str:
    """{base}/responses, as the compliance suite builds it; a base that already ends so is kept."""
    base = base_url.rstrip("/")
    return base if base.endswith("/responses") else f"{base}/responses"


TARGETS: dict[str, Target] = {
    "responses": Target(
        "responses", SCENARIOS, responses_url, _outcome, lambda key: {"Authorization": f"Bearer {key}"}
    ),
    "chat": Target(
        "chat", chat.SCENARIOS, chat.chat_url, chat.outcome, lambda key: {"Authorization": f"Bearer {key}"}
    ),
    "anthropic": Target(
        "anthropic",
        messages.SCENARIOS,
        messages.messages_url,
        messages.outcome,
        lambda key: {"x-api-key": key},
        messages.HEADERS,
        "ANTHROPIC_API_KEY",
    ),
}


def target_of(scenarios: Sequence[str]) -> Target:
    """The protocol whose scenarios these are (they must all be of one)."""
    found = {t.protocol for t in TARGETS.values() for name in scenarios if name in t.scenarios}
    if len(found) > 1:
        raise ValueError(f"scenarios of several protocols in one run: {', '.join(sorted(found))}")
    return TARGETS[found.pop() if found else "responses"]


def run_probe(
    base_url: str,
    scenarios: Sequence[str] = tuple(SCENARIOS),
    *,
    model: str = "gpt-4o-mini",
    reasoning_model: str | None = None,
    api_key: str | None = None,
    options: CheckOptions | None = None,
    save_dir: str | Path | None = None,
    timeout: float = 60.0,
    transport: httpx.BaseTransport | None = None,
) -> list[ScenarioResult]:
    """Run the named scenarios in order (all of one protocol: Responses, or Anthropic Messages for
    the ``messages-*`` ones). Raises ProbeError when the endpoint cannot be reached."""
    target = target_of(scenarios)
    options = options or CheckOptions()
    url = target.url(base_url)
    directory = Path(save_dir) if save_dir is not None else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    headers = {**target.headers, **(target.auth(api_key) if api_key else {})}
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    results = []
    with httpx.Client(timeout=limits, transport=transport, follow_redirects=False) as client:
        for name in scenarios:
            scenario = target.scenarios[name]
            chosen = (reasoning_model or model) if scenario.uses_reasoning_model else model
            results.append(run_scenario(client, url, scenario, chosen, options, directory, headers, target))
    return results
