"""Checking the streams of a cassette or HAR file, with findings put back in the container.

:func:`check_container` runs the engine on each Responses body that :mod:`container_streams`
finds and relocates the findings: a body stored as a YAML literal block (``|``) maps line for
line; an encoded body cannot, so its findings point at the interaction. The recorded answers that
clients cannot use (RSP014, RSP015, judged in :mod:`container_answers`) become findings at their
interaction. :func:`make_finding` stamps such transport findings, here and for WebSocket and probe.

The container readers are re-exported here: this module is where callers import them from.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from validator.catalog import PROTOCOL_PROFILES, RULES, select_rules
from validator.engine.options import CheckOptions, FileResult
from validator.engine.stream import check_bytes
from validator.model.findings import Finding
from validator.protocols import PROTOCOLS
from validator.reading.containers.answers import AnswerProblem, is_responses_request
from validator.reading.containers.positions import (
    JSON_BREAKS,
    YAML_BREAKS,
    ContainerError,
    LineTable,
    json_member_offsets,
)
from validator.reading.containers.positions import har_entries as har_entries
from validator.reading.containers.positions import har_headers as har_headers
from validator.reading.containers.positions import json_array_offsets as json_array_offsets
from validator.reading.containers.streams import (
    KINDS,
    EmbeddedStream,
    decode_text,
    detect_kind,
    iter_answer_problems,
    iter_streams,
    walk_container,
)

__all__ = [
    "KINDS",
    "AnswerProblem",
    "ContainerError",
    "EmbeddedStream",
    "LineTable",
    "check_container",
    "detect_kind",
    "is_responses_request",
    "iter_answer_problems",
    "iter_streams",
    "json_member_offsets",
]


def relocate(finding: Finding, stream: EmbeddedStream, path: str, prefix: str | None = None) -> Finding:
    """Put a finding about a body back in its container, naming the interaction and body line."""
    mapped = stream.literal(finding.line) if stream.literal is not None else None
    where = prefix or stream.label
    message = f"{where}, body line {finding.line}: {finding.message}"
    if mapped is not None:
        line, shift = mapped
        return dataclasses.replace(
            finding,
            path=path,
            line=line,
            column=finding.column + shift,
            offset=-1,
            message=message,
            details=(f"body line {finding.line}, column {finding.column}", *finding.details),
        )
    return dataclasses.replace(
        finding,
        path=path,
        line=stream.line,
        column=stream.column,
        offset=stream.offset,
        message=message,
        details=(f"body line {finding.line}, column {finding.column}", *finding.details),
    )


def _fix_offsets(findings: Sequence[Finding], table: LineTable) -> list[Finding]:
    """Mapped findings carry offset -1 until the container's line table gives the byte offset."""
    out = []
    for f in findings:
        if f.offset == -1:
            line0 = min(f.line - 1, len(table.starts) - 1)
            f = dataclasses.replace(f, offset=table.byte_offset(line0, max(f.column - 1, 0)))
        out.append(f)
    return out


def check_container(data: bytes, path: str, options: Any = None, kind: str = "auto") -> Any:
    """Check every Responses stream in a cassette or HAR file; findings point into the container.

    Returns an engine ``FileResult`` (``input_format`` is the container kind). A container that
    cannot be read gives ``FileResult.error``; one that records no call to check gives no findings,
    ``events == 0`` and a ``FileResult.notice`` saying so.
    """

    options = options or CheckOptions()
    try:
        detected = detect_kind(data) if kind == "auto" else kind
        found = list(walk_container(data, detected or kind, _recognise(options)))
    except ContainerError as exc:
        return FileResult(path, error=str(exc), input_format=kind if kind != "auto" else None)
    # A cassette without Responses streams is not an error: checking a folder of cassettes
    # meets many that record other calls (model listings, non-streaming requests).
    result = FileResult(path, input_format=detected)
    errors = []
    table = LineTable(decode_text(data), JSON_BREAKS if detected == "har" else YAML_BREAKS)
    for stream in found:
        if isinstance(stream, AnswerProblem):
            result.findings += answer_finding(stream, path, _for_protocol(options, stream.protocol))
            continue
        if stream.error is not None:
            errors.append(f"{stream.label} (line {stream.line}): {stream.error}")
            continue
        body_options = dataclasses.replace(
            _for_protocol(options, stream.protocol), input_format="sse", request=_request(options, stream)
        )
        sub = check_bytes(stream.body, path, body_options)
        result.profiles += tuple(p for p in sub.profiles if p not in result.profiles)
        result.events += sub.events
        result.findings.extend(relocate(f, stream, path) for f in sub.findings)
    result.findings = _fix_offsets(result.findings, table)
    result.findings.sort(key=Finding.sort_key)
    if errors:
        result.error = "; ".join(errors)
    elif not found:
        result.notice = nothing_checked(options)
    return result


def nothing_checked(options: Any) -> str:
    """Why a readable container gave no findings without being a pass: it records no call to check."""
    named = options.named_protocol()
    titles = [p.title for p in PROTOCOLS.values() if named in (None, p.name)]
    which = ", ".join(titles[:-1]) + " or " + titles[-1] if len(titles) > 1 else titles[0]
    return f"nothing checked: no streamed {which} call recorded in it"


def _recognise(options: Any) -> Any:
    """Which calls of a container are checked, and as which protocol: each protocol's own, or only
    the one the options name."""
    named = options.named_protocol()
    candidates = [PROTOCOLS[named]] if named else list(PROTOCOLS.values())

    def recognise(method: str, url: str) -> str | None:
        return next((p.name for p in candidates if p.is_request(method, url)), None)

    return recognise


def _request(options: Any, stream: EmbeddedStream) -> Any:
    """The request the stream answers: the one given, or the one recorded with it (its JSON body)."""
    if options.request is not None or not stream.request_body:
        return options.request
    try:
        return json.loads(stream.request_body)
    except ValueError:
        return None


def _for_protocol(options: Any, protocol: str) -> Any:
    """The options for a call of ``protocol``: its own profile unless one of it was asked for."""
    profile = options.profile if options.profile in PROTOCOL_PROFILES[protocol] else None
    return dataclasses.replace(options, protocol=protocol, profile=profile).for_protocol(protocol)


# ---------------------------------------------------------------- findings made outside the engine
#
# WebSocket and probe checks are about the transport around a stream, so they stamp their own
# findings, with rules from the catalog like every other layer.


def answer_finding(problem: AnswerProblem, path: str, options: Any) -> list[Finding]:
    """An answer clients cannot use (RSP014, RSP015, judged by :func:`judge_answer`) as a finding
    under its protocol's own id (CH068, AN014, ...), at the problem's position: ``check`` on a
    cassette or HAR file and the proxy on live traffic report it alike."""
    rule = PROTOCOLS[problem.protocol].reading_rules.get(problem.rule, problem.rule)
    if rule is None:
        return []
    finding = make_finding(
        rule, problem.message, path, (problem.line, problem.column, problem.offset), options
    )
    return [] if finding is None else [finding]


def make_finding(
    rule_id: str,
    message: str,
    path: str,
    position: tuple[int, int, int],
    options: Any,
    **fields: Any,
) -> Finding | None:
    """A finding for a transport rule, honouring the profile and --select/--ignore; None if off."""
    rule = RULES[rule_id]
    if rule.id not in select_rules(options.select, options.ignore):
        return None
    severity = rule.reported_severity(options.profile, options.strict, fields.pop("severity", None))
    if severity is None:
        return None
    line, column, offset = position
    return Finding(
        rule.id, rule.name, severity, message or rule.message, path, line, column, offset, **fields
    )
