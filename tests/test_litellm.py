"""A real third-party server in the suite: the LiteLLM proxy's Responses endpoint.

The test starts two servers on 127.0.0.1, no network beyond loopback and no key beyond a dummy
master key: a small Chat Completions streamer (:mod:`chat_upstream`, the "model"), and the
LiteLLM proxy (``litellm[proxy]``, pinned below) with a config whose models are
``custom_openai/<scenario>`` pointed at it. LiteLLM bridges ``POST /v1/responses`` onto the
upstream's ``/v1/chat/completions`` and streams Responses events back; those streams are checked
and their findings pinned in ``corpus/litellm/<scenario>.expected.json``, each finding with a
comment naming the LiteLLM behaviour it is. A LiteLLM upgrade that changes a stream shows up as
a diff of these sidecars (``python tests/test_litellm.py --update`` rewrites them, keeping the
comments of findings that stay; a new finding gets an empty comment for a person to fill in).

LiteLLM runs from an environment of its own (``.venv-litellm`` at the top of the checkout, made
by the first run, or the one ``LITELLM_BIN`` names): its pins (``openai<3``) conflict with the
test extra's ``openai==3.63.0``, and the test only talks to it over HTTP. Making it installs
``litellm[proxy]==`` :data:`LITELLM_VERSION` from PyPI with uv (the test extra's; pip if uv is
missing or fails): about a minute, once (pip took three).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chat_upstream import SCENARIOS, ChatUpstream
from conftest import CORPUS, ROOT

from validator.engine import FileResult, check_bytes

#: The LiteLLM release the sidecars describe; an upgrade changes this and corpus/litellm together.
#: 1.106.12: the newest whose [proxy] extra installs (1.108+ need litellm-proxy, not on PyPI; 1.107
#: was withdrawn).
LITELLM_VERSION = "1.106.12"
#: Where the proxy's own environment is made when LITELLM_BIN does not name one.
LITELLM_VENV = ROOT / ".venv-litellm"
INSTALL_TIMEOUT = 1800

SIDECARS = CORPUS / "litellm"
MASTER_KEY = "sk-loopback-master-key"
#: The proxy imports a great deal before it listens: generous, but bounded.
START_TIMEOUT = 240.0

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}

#: scenario -> the Responses request body the client sends the proxy (``stream`` added).
REQUESTS: dict[str, dict[str, Any]] = {
    "text": {"input": "What is the capital of France?"},
    "tool-call": {"input": "Weather in Paris?", "tools": [WEATHER_TOOL]},
    "two-tool-calls": {"input": "Weather in Paris and Lyon?", "tools": [WEATHER_TOOL]},
    # No `reasoning` parameter: LiteLLM refuses it for custom_openai (UnsupportedParamsError,
    # an HTTP 400 body); the upstream streams reasoning_content for this model regardless.
    "reasoning": {"input": "What is the capital of France?"},
    "max-tokens": {"input": "List the steps.", "max_output_tokens": 16},
    "error-mid-stream": {"input": "What is the capital of France?"},
}


def litellm_command() -> Path:
    """The ``litellm`` command of the proxy's own environment, made (once) if need be."""
    named = os.environ.get("LITELLM_BIN")
    if named:
        return Path(named)
    command = LITELLM_VENV / "bin" / "litellm"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True, timeout=120)
        python = str(LITELLM_VENV / "bin" / "python")
        wanted = f"litellm[proxy]=={LITELLM_VERSION}"
        # uv (the test extra's) downloads and unpacks in parallel: a third of pip's time for this
        # install, resolving the same versions. Bytecode compiled as pip does, so that each start of
        # the proxy does not compile litellm again. pip, as before, if uv is missing or fails.
        uv = _uv_command()
        done = uv is not None and (
            subprocess.run(
                [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", python, wanted],
                timeout=INSTALL_TIMEOUT,
                check=False,
            ).returncode
            == 0
        )
        if not done:
            why = "failed" if uv else "is not installed"
            print(f"uv {why}: installing {wanted} with pip", file=sys.stderr)
            pip = [python, "-m", "pip", "install", "-q", wanted]
            subprocess.run(pip, check=True, timeout=INSTALL_TIMEOUT)
    return command


def _uv_command() -> str | None:
    try:
        import uv  # the `uv` package of the test extra ships its binary
    except ImportError:
        return None
    return uv.find_uv_bin()


def installed_version(command: Path) -> str:
    python = command.with_name("python")
    code = "import importlib.metadata as m; print(m.version('litellm'))"
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(upstream: str) -> str:
    models = "".join(
        f"  - model_name: {name}\n"
        f"    litellm_params:\n"
        f"      model: custom_openai/{name}\n"
        f"      api_base: {upstream}\n"
        f"      api_key: dummy-upstream-key\n"
        for name in SCENARIOS
    )
    return (
        f"model_list:\n{models}"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  num_retries: 0\n"
        "  request_timeout: 30\n"
        "general_settings:\n"
        f"  master_key: {MASTER_KEY}\n"
    )


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        # Offline: the model cost map ships in the package; nothing is fetched at start.
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        LITELLM_TELEMETRY="False",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def running_proxy(here: Path) -> Iterator[str]:
    """The upstream and the LiteLLM proxy, started in ``here`` (config, log); yields its URL."""
    with ChatUpstream() as upstream:
        config = here / "config.yaml"
        config.write_text(_config(upstream.base_url))
        port = _free_port()
        command = [
            str(litellm_command()),
            *("--config", str(config), "--host", "127.0.0.1", "--port", str(port), "--num_workers", "1"),
        ]
        with (here / "litellm.log").open("wb") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=_environment(), cwd=here
            )
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_up(url, process, here / "litellm.log")
                yield url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=15)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_proxy(tmp_path_factory.mktemp("litellm")) as url:
        yield url


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the LiteLLM proxy exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health/liveliness", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the LiteLLM proxy did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def _stream(url: str, scenario: str) -> tuple[int, str, bytes]:
    body = {"model": scenario, "stream": True, **REQUESTS[scenario]}
    headers = {"Authorization": f"Bearer {MASTER_KEY}", "Accept": "text/event-stream"}
    with (
        httpx.Client(timeout=httpx.Timeout(60.0, connect=5.0)) as client,
        client.stream("POST", f"{url}/v1/responses", json=body, headers=headers) as response,
    ):
        data = b"".join(response.iter_bytes())
        return response.status_code, response.headers.get("content-type", ""), data


def _pinned(result: FileResult) -> set[tuple[str, int]]:
    return {(f.rule, f.line) for f in result.findings}


def _sidecar(scenario: str) -> dict[str, Any]:
    return json.loads((SIDECARS / f"{scenario}.expected.json").read_text(encoding="utf-8"))


def test_the_pinned_litellm_is_the_installed_one() -> None:
    # The sidecars describe one LiteLLM release: an upgrade is a deliberate change of the pin.
    assert installed_version(litellm_command()) == LITELLM_VERSION
    for scenario in SCENARIOS:
        assert _sidecar(scenario)["litellm"] == LITELLM_VERSION, scenario


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_litellm_responses_stream(proxy: str, scenario: str, tmp_path: Path) -> None:
    status, content_type, body = _stream(proxy, scenario)
    (tmp_path / f"{scenario}.sse").write_bytes(body)  # kept by pytest for a look after a failure
    sidecar = _sidecar(scenario)
    assert (status, content_type.split(";")[0]) == (200, "text/event-stream"), body[:500]
    result = check_bytes(body, f"litellm/{scenario}.sse")
    assert result.events > 0
    # A "sometimes" finding depends on the clock (LiteLLM stamps created_at per snapshot): it may
    # be absent; every other pinned finding must be there, and nothing else.
    required = {(f["rule"], f["line"]) for f in sidecar["findings"] if "sometimes" not in f}
    allowed = {(f["rule"], f["line"]) for f in sidecar["findings"]}
    shown = "\n".join(f"  {f.rule} line {f.line}: {f.message}" for f in result.findings)
    assert required <= _pinned(result) <= allowed, (
        f"LiteLLM's {scenario} stream changed; findings now:\n{shown}"
    )
    for finding in sidecar["findings"]:
        assert finding.get("comment"), f"{scenario}: {finding['rule']} line {finding['line']} needs a comment"


def _update() -> None:
    """Rewrite the sidecars from a live run (keeps the comment of each finding that stays)."""
    import tempfile

    SIDECARS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as here, running_proxy(Path(here)) as url:
        for scenario in SCENARIOS:
            _, _, body = _stream(url, scenario)
            result = check_bytes(body, f"litellm/{scenario}.sse")
            path = SIDECARS / f"{scenario}.expected.json"
            old = json.loads(path.read_text()) if path.is_file() else {"findings": []}
            known = {(f["rule"], f["line"]): f for f in old["findings"]}
            findings = [
                known.get((r, n), {"rule": r, "line": n, "comment": ""}) for r, n in sorted(_pinned(result))
            ]
            # Clock-dependent findings stay pinned as such whether or not this run showed them.
            findings += [f for f in old["findings"] if "sometimes" in f and f not in findings]
            findings.sort(key=lambda f: (f["line"], f["rule"]))
            data = {"litellm": LITELLM_VERSION, "scenario": scenario, "findings": findings}
            path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"== {scenario}")
            for f in result.findings:
                print(f"  {f.rule} line {f.line}: {f.message}")
            if "--keep" in sys.argv:
                Path(f"/tmp/litellm-{scenario}.sse").write_bytes(body)


if __name__ == "__main__" and "--update" in sys.argv:
    _update()
