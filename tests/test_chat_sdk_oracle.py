"""Differential test against openai-python's chat stream accumulator (the pinned test extra).

Every transcript we have (the shared captures, our streams, every rule example, good and bad) is
fed to ``ChatCompletionStreamState`` the way ``client.chat.completions.stream`` feeds it: the SSE
loop stops at ``[DONE]``, raises ``APIError`` on a payload with a truthy ``error``, and the
helper skips payloads whose ``object`` is not ``chat.completion.chunk`` (Azure annotation chunks).
Whenever the SDK raises, we must report an error; the one exception is the protocol's failure
path, a bare in-band error, which the SDK raises as APIError and we report as CH004 (a warning:
the corpus judges those streams DEVIATION, see CH004's doc). ``LengthFinishReasonError`` and
``ContentFilterFinishReasonError`` from ``get_final_completion`` are SDK policy (it refuses to
parse any choice that finished ``length``), not stream defects, and are not counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SHARED
from validator.engine import CheckOptions, check_file
from validator.model.findings import Severity

openai = pytest.importorskip("openai", reason="the openai SDK (test extra) is the oracle")
from openai.lib.streaming.chat import ChatCompletionStreamState  # noqa: E402
from openai.types.chat import ChatCompletionChunk  # noqa: E402

POLICY = (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError)


def _payloads(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", "replace")
    if path.suffix == ".jsonl":
        return [line for line in text.splitlines() if line.strip()]
    out = []
    for line in text.splitlines():
        if line.startswith("data:"):
            data = line[5:].removeprefix(" ")
            if data.startswith("[DONE]"):
                break
            out.append(data)
    return out


def sdk_outcome(path: Path) -> str | None:
    """None when the SDK accepts the stream; else what it raised ("APIError" for an in-band error)."""
    state = ChatCompletionStreamState()
    chunks = 0
    try:
        for text in _payloads(path):
            data = json.loads(text)
            if isinstance(data, dict) and data.get("error"):
                return "APIError"
            if not isinstance(data, dict) or data.get("object") != "chat.completion.chunk":
                continue
            state.handle_chunk(ChatCompletionChunk.construct(**data))
            chunks += 1
        if chunks:
            state.get_final_completion()
    except POLICY:
        return None
    except Exception as exc:  # the oracle's verdict is whatever it raises
        return f"{type(exc).__name__}: {exc}"
    return None


def _transcripts() -> list[tuple[Path, dict]]:
    found = []
    chat = SHARED / "corpus-chat"
    if chat.is_dir():
        found += [(p, {"protocol": "chat"}) for p in sorted(chat.glob("0*"))]
    for sidecar in sorted((CORPUS / "streams" / "chat").glob("*.expected.json")):
        side = json.loads(sidecar.read_text())
        found.append((sidecar.parent / side["transcript"], side["options"]))
    for bad in sorted((CORPUS / "rules").glob("CH*/bad.expected.json")):
        options = json.loads(bad.read_text())["options"]
        # The SDK reads event streams: an example that is another body (CH067's error body) is not one.
        found += [(bad.parent / n, options) for n in ("bad.sse", "good.sse") if (bad.parent / n).is_file()]
    return found


TRANSCRIPTS = _transcripts()


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic warns about Mistral's list content
@pytest.mark.parametrize(
    "path,options", TRANSCRIPTS, ids=lambda v: "/".join(v.parts[-2:]) if isinstance(v, Path) else ""
)
def test_whenever_the_sdk_raises_we_report_an_error(path: Path, options: dict) -> None:
    outcome = sdk_outcome(path)
    findings = check_file(path, CheckOptions(**options)).findings
    if outcome is None:
        return
    if outcome == "APIError" and not any(f.rule == "CH005" for f in findings):
        assert any(f.rule == "CH004" for f in findings), outcome
        return
    assert any(f.severity is Severity.ERROR for f in findings), outcome


def test_the_oracle_raises_on_some_transcripts() -> None:
    # Guard against an oracle that never raises (a wrong import, a changed SDK): the rule
    # examples alone hold several streams the SDK cannot accumulate.
    raised = [p for p, _ in TRANSCRIPTS if (o := sdk_outcome(p)) and o != "APIError"]
    assert len(raised) >= 4, raised
