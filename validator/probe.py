"""Live probe: run request scenarios against a Responses endpoint with ``stream: true`` and check them.

The scenarios are the HTTP cases of the Open Responses compliance suite (RULES.md §M: basic
text, system prompt, tool calling, image input, multi-turn, and the streaming tool call),
plus structured output, a reasoning request and a malformed request that must be refused with
a 4xx JSON error. Each streamed body is checked with the full rule set (the engine) and with the
scenario's own expectations (RSP260), and can be saved to re-check offline or commit as a
fixture. This is the only module that touches the network.

Each scenario gives a :class:`ScenarioResult`, a ``FileResult`` with the scenario's name and
HTTP facts, so every reporter renders probe results; JUnit gets one testcase per scenario.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx

from .containers import make_finding
from .engine import CheckOptions, FileResult, check_bytes
from .findings import Finding
from .replay import SCENARIO_HEADER

__all__ = [
    "SCENARIOS",
    "ProbeError",
    "Scenario",
    "ScenarioResult",
    "probe_command",
    "run_probe",
    "run_scenario",
]

TERMINAL = ("response.completed", "response.failed", "response.incomplete")


class ProbeError(Exception):
    """The endpoint cannot be reached at all (exit 2): connection refused, DNS, connect timeout."""


# ---------------------------------------------------------------- what the scenarios send


def _png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (220, 30, 30)) -> bytes:
    """A small solid-colour PNG, built here so the probe carries no binary fixture."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


IMAGE_DATA_URL = "data:image/png;base64," + base64.b64encode(_png()).decode()

_WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}
        },
        "required": ["location"],
    },
}

_PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def _msg(role: str, content: Any) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": content}


# ---------------------------------------------------------------- what the scenarios expect


@dataclass
class Outcome:
    """The decoded events of a streamed answer and its final response."""

    events: list[dict[str, Any]]
    #: (line, column, offset) of each event, same order as ``events``.
    positions: list[tuple[int, int, int]]
    final: dict[str, Any] | None = None
    final_at: tuple[int, int, int] = (1, 1, 0)

    @property
    def output(self) -> list[Any]:
        out = (self.final or {}).get("output")
        return out if isinstance(out, list) else []


def _completed(o: Outcome) -> list[str]:
    if o.final is None:
        return ["the stream has no terminal response event, so the response cannot be judged"]
    problems = []
    status = o.final.get("status")
    if status != "completed":
        problems.append(f"final response status is {status!r}, expected 'completed'")
    if not o.output:
        problems.append("final response output is empty")
    return problems


def _has_function_call(o: Outcome) -> list[str]:
    if o.final is not None and not any(
        isinstance(i, dict) and i.get("type") == "function_call" for i in o.output
    ):
        return ["final response output has no function_call item"]
    return []


def _streamed_function_call(o: Outcome) -> list[str]:
    def seen(etype: str, item_type: str | None = None) -> bool:
        for e in o.events:
            if e.get("type") != etype:
                continue
            item = e.get("item")
            if item_type is None or (isinstance(item, dict) and item.get("type") == item_type):
                return True
        return False

    wanted = [
        ("response.output_item.added", "function_call", "output_item.added with a function_call item"),
        ("response.function_call_arguments.delta", None, "function_call_arguments.delta"),
        ("response.function_call_arguments.done", None, "function_call_arguments.done"),
        ("response.output_item.done", "function_call", "output_item.done with a function_call item"),
    ]
    return [f"no {what} in the stream" for etype, item, what in wanted if not seen(etype, item)]


def _json_text(o: Outcome) -> list[str]:
    texts = [
        part.get("text")
        for item in o.output
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    if not texts:
        return ["final response has no output_text to parse as JSON"] if o.final is not None else []
    try:
        value = json.loads("".join(t for t in texts if isinstance(t, str)))
    except ValueError:
        return ["output_text is not JSON although a json_schema format was requested"]
    missing = [k for k in _PERSON_SCHEMA["required"] if not isinstance(value, dict) or k not in value]
    return [f"JSON output lacks the schema's required {', '.join(missing)}"] if missing else []


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    #: model -> request body (``stream: true`` is added when sending).
    request: Callable[[str], dict[str, Any]]
    checks: tuple[Callable[[Outcome], list[str]], ...] = (_completed,)
    #: The request is malformed on purpose: expect a 4xx JSON error, not a stream.
    rejected: bool = False
    uses_reasoning_model: bool = False


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "basic-text",
            "Basic text response",
            lambda m: {"model": m, "input": [_msg("user", "Say hello in exactly 3 words.")]},
        ),
        Scenario(
            "system-prompt",
            "System prompt",
            lambda m: {
                "model": m,
                "input": [
                    _msg("system", "You are a pirate. Always respond in pirate speak."),
                    _msg("user", "Say hello."),
                ],
            },
        ),
        Scenario(
            "tool-calling",
            "Tool calling",
            lambda m: {
                "model": m,
                "input": [_msg("user", "What's the weather like in San Francisco?")],
                "tools": [_WEATHER_TOOL],
            },
            (_completed, _has_function_call),
        ),
        Scenario(
            "image-input",
            "Image input (inline base64 PNG)",
            lambda m: {
                "model": m,
                "input": [
                    _msg(
                        "user",
                        [
                            {"type": "input_text", "text": "What colour is this image? Answer in one word."},
                            {"type": "input_image", "image_url": IMAGE_DATA_URL},
                        ],
                    )
                ],
            },
        ),
        Scenario(
            "multi-turn",
            "Multi-turn conversation",
            lambda m: {
                "model": m,
                "input": [
                    _msg("user", "My name is Alice."),
                    _msg("assistant", "Hello Alice! Nice to meet you. How can I help you today?"),
                    _msg("user", "What is my name?"),
                ],
            },
        ),
        Scenario(
            "streaming-tool-call",
            "Streaming tool call",
            lambda m: {
                "model": m,
                "input": [_msg("user", "What's the weather like in Paris, France?")],
                "tools": [_WEATHER_TOOL],
            },
            (_completed, _has_function_call, _streamed_function_call),
        ),
        Scenario(
            "structured-output",
            "Structured output (JSON schema)",
            lambda m: {
                "model": m,
                "input": [_msg("user", "Invent a person and give their name and age.")],
                "text": {
                    "format": {
                        "type": "json_schema",
                        "name": "person",
                        "schema": _PERSON_SCHEMA,
                        "strict": True,
                    }
                },
            },
            (_completed, _json_text),
        ),
        Scenario(
            "reasoning",
            "Reasoning request",
            lambda m: {
                "model": m,
                "input": [_msg("user", "What is 17 * 23? Answer with the number only.")],
                "reasoning": {"effort": "low", "summary": "auto"},
            },
            uses_reasoning_model=True,
        ),
        Scenario(
            "malformed-request",
            "Malformed request is refused with a 4xx JSON error",
            lambda m: {"model": m, "input": 42},
            checks=(),
            rejected=True,
        ),
    )
}


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


def _preview(body: bytes, limit: int = 120) -> str:
    text = body[:limit].decode("utf-8", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")
    return text + ("…" if len(body) > limit else "")


def _outcome(body: bytes) -> Outcome:
    """Decode the events of a streamed body (framing problems are the engine's to report)."""
    from . import decode, reader
    from .events import RawEvent, RawKind

    events: list[dict[str, Any]] = []
    positions: list[tuple[int, int, int]] = []
    outcome = Outcome(events, positions)
    for item in reader.Reader([body], "sse"):
        if not isinstance(item, RawEvent) or item.kind is RawKind.DONE:
            continue
        data, _ = decode.decode(item)
        if data is None:
            continue
        pos = (item.position.line, item.position.column, item.position.offset)
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
    f = make_finding(rule, message, path, at, options)
    return [f] if f is not None else []


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
) -> ScenarioResult:
    """Send one scenario, read the whole answer, check it. Raises ProbeError if unreachable."""
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
    if scenario.rejected:
        result.saved = _save(save_dir, scenario.name, ".sse" if is_sse else ".json", body)
        result.path = result.saved or result.path
        problem = _rejected_problem(status, content_type, body)
        if problem:
            result.findings += _finding("RSP015", problem, result.path, (1, 1, 0), options)
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
        checked = check_bytes(body, result.path, options)
        result.events, result.findings = checked.events, list(checked.findings)
        outcome = _outcome(body)
        for check in scenario.checks:
            for problem in check(outcome):
                result.findings += _finding("RSP260", problem, result.path, outcome.final_at, options)
        result.findings.sort(key=Finding.sort_key)
    if timeout_note is not None:
        result.error = timeout_note
    result.seconds = time.monotonic() - started
    return result


def _reason(exc: BaseException) -> str:
    """The innermost cause's text: 'Connection refused', not the whole chain."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc) or type(exc).__name__
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text


def responses_url(base_url: str) -> str:
    """{base}/responses, as the compliance suite builds it; a base that already ends so is kept."""
    base = base_url.rstrip("/")
    return base if base.endswith("/responses") else f"{base}/responses"


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
    """Run the named scenarios in order. Raises ProbeError when the endpoint cannot be reached."""
    options = options or CheckOptions()
    url = responses_url(base_url)
    directory = Path(save_dir) if save_dir is not None else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    results = []
    with httpx.Client(timeout=limits, transport=transport, follow_redirects=False) as client:
        for name in scenarios:
            scenario = SCENARIOS[name]
            chosen = (reasoning_model or model) if scenario.uses_reasoning_model else model
            results.append(run_scenario(client, url, scenario, chosen, options, directory, headers))
    return results


# ---------------------------------------------------------------- output


def render_junit(results: Sequence[ScenarioResult], url: str, strict: bool = False) -> str:
    """One testsuite for the endpoint, one testcase per scenario (failures list the findings)."""
    from .reporters.junit import xml_safe

    suite = ET.Element("testsuite", name=xml_safe(f"responses-validator probe {url}"))
    failures = errors = 0
    for r in results:
        case = ET.SubElement(
            suite, "testcase", name=r.scenario, classname="responses-validator.probe", time=f"{r.seconds:.3f}"
        )
        lines = [
            f"{f.path}:{f.line}:{f.column}: {f.rule} {f.severity.value}: {f.message}" for f in r.findings
        ]
        if r.error is not None:
            err = ET.SubElement(case, "error", type="transport", message=xml_safe(r.error))
            err.text = xml_safe("\n".join([r.error, *lines]))
            errors += 1
        elif r.failed(strict):
            first = next(f for f in r.findings if f.severity.rank >= (1 if strict else 2))
            failure = ET.SubElement(case, "failure", type=first.rule, message=xml_safe(first.message))
            failure.text = xml_safe("\n".join(lines))
            failures += 1
        elif lines:
            ET.SubElement(case, "system-out").text = xml_safe("\n".join(lines))
    for key, value in (("tests", len(results)), ("failures", failures), ("errors", errors), ("skipped", 0)):
        suite.set(key, str(value))
    suite.set("time", f"{sum(r.seconds for r in results):.3f}")
    root = ET.Element("testsuites", name="responses-validator probe")
    root.append(suite)
    for key in ("tests", "failures", "errors"):
        root.set(key, suite.get(key, "0"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(results: Sequence[ScenarioResult], fmt: str, url: str, options: CheckOptions) -> str:
    if fmt == "junit":
        return render_junit(results, url, options.strict)
    from .report import Report
    from .reporters import REPORTERS

    report = Report(
        results, profile=options.profile, strict=options.strict, durations=[r.seconds for r in results]
    )
    text = REPORTERS[fmt]().render(report)
    if fmt != "text":
        return text
    verdicts = [f"probe {url}"]
    for r in results:
        verdict = "FAIL" if r.failed(options.strict) else "PASS"
        where = f"HTTP {r.status} {r.content_type.split(';')[0]}".rstrip()
        extra = f"; {r.error}" if r.error else ""
        verdicts.append(f"  {verdict}  {r.scenario:<20} {where}, {r.events} events{extra}")
    return "\n".join(verdicts) + "\n\n" + text


# ---------------------------------------------------------------- the command


def _scenario_names(values: Sequence[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in (v.strip() for v in value.split(",")):
            if not name:
                continue
            if name == "all":
                names.extend(SCENARIOS)
            elif name not in SCENARIOS:
                raise click.BadParameter(
                    f"unknown scenario {name!r} (choose from all, {', '.join(SCENARIOS)})",
                    param_hint="--scenarios",
                )
            else:
                names.append(name)
    return list(dict.fromkeys(names)) or list(SCENARIOS)


@click.command("probe")
@click.option(
    "--base-url", required=True, help="API base, e.g. https://api.openai.com/v1 (POST {base}/responses)."
)
@click.option(
    "--api-key-env",
    default="OPENAI_API_KEY",
    show_default=True,
    metavar="VAR",
    help="Environment variable holding the API key (sent as a Bearer token; none if unset).",
)
@click.option("--model", default="gpt-4o-mini", show_default=True, help="Model for the scenarios.")
@click.option("--reasoning-model", default=None, help="Model for the reasoning scenario [default: --model].")
@click.option(
    "--scenarios",
    "scenario_args",
    multiple=True,
    metavar="NAMES",
    help=f"Comma-separated scenarios to run [default: all]: {', '.join(SCENARIOS)}.",
)
@click.option(
    "--save",
    "save_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to save each answer body in (<scenario>.sse), to re-check offline or commit as a fixture.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "sarif", "github"]),
    default="text",
    show_default=True,
)
@click.option(
    "--profile", type=click.Choice(["openai", "open-responses"]), default="openai", show_default=True
)
@click.option("--strict", is_flag=True, help="Warnings fail a scenario too.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the connection (at most 10) and between bytes of the answer.",
)
@click.pass_context
def probe_command(
    ctx: click.Context,
    base_url: str,
    api_key_env: str,
    model: str,
    reasoning_model: str | None,
    scenario_args: tuple[str, ...],
    save_dir: Path | None,
    fmt: str,
    profile: str,
    strict: bool,
    timeout: float,
) -> None:
    """Run request scenarios against a live Responses endpoint (stream: true) and check every answer.

    Exit status: 0 every scenario passed, 1 a scenario failed, 2 usage error or the endpoint
    cannot be reached.
    """
    names = _scenario_names(scenario_args)
    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
    api_key = os.environ.get(api_key_env)
    explicit = ctx.get_parameter_source("api_key_env") is not click.core.ParameterSource.DEFAULT
    if explicit and not api_key:
        raise click.UsageError(f"environment variable {api_key_env} is not set")
    options = CheckOptions(profile=profile, strict=strict)
    try:
        results = run_probe(
            base_url,
            names,
            model=model,
            reasoning_model=reasoning_model,
            api_key=api_key,
            options=options,
            save_dir=save_dir,
            timeout=timeout,
        )
    except ProbeError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    except OSError as exc:  # the --save folder cannot be created or written
        click.echo(f"error: cannot save transcripts: {exc}", err=True)
        ctx.exit(2)
    sys.stdout.flush()
    click.echo(render(results, fmt, responses_url(base_url), options), nl=False)
    ctx.exit(1 if any(r.failed(strict) for r in results) else 0)
