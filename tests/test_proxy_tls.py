"""An https:// upstream: verified as any TLS client verifies a server, with a way to trust a private
CA or a self-signed certificate (``--upstream-ca FILE``, or SSL_CERT_FILE), and a clear 502, not a
traceback, when the certificate is not trusted. The certificates are made here with the ``openssl``
command (a CA and a server certificate it signs, for 127.0.0.1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from aiohttp import web
from proxy_support import aio_upstream, running_proxy, sdk_websocket_turn

from validator.engine import check_bytes
from validator.tools.probe.replay import text_events, to_sse

GOOD = to_sse(text_events("Hello over TLS, " * 40, pieces=12))
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem (a CA of the test's own), server.pem and server.key (127.0.0.1's, signed by it)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test's certificates")
    folder = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    for command in (
        ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=llm-stream-validator test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
    ):  # fmt: skip
        subprocess.run(["openssl", *command], cwd=folder, check=True, capture_output=True, timeout=60)
    return folder


async def _stream(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await _session(request)
    await request.read()
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for event in GOOD.split(b"\n\n")[:-1]:
        await response.write(event + b"\n\n")
    await response.write_eof()
    return response


async def _session(request: web.Request) -> web.WebSocketResponse:
    """The WebSocket mode over wss://: each response.create answered with GOOD's events."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == web.WSMsgType.TEXT and json.loads(msg.data).get("type") == "response.create":
            for event in GOOD.split(b"\n\n")[:-1]:
                await ws.send_str(event.split(b"data: ", 1)[1].decode())
    return ws


@pytest.fixture(scope="module")
def upstream(certs: Path) -> Iterator[str]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certs / "server.pem", certs / "server.key")
    with aio_upstream({"/v1/responses": _stream}, tls=tls) as url:
        yield url


def _post(url: str) -> httpx.Response:
    return httpx.post(
        url + "/v1/responses",
        json={"model": "m", "input": "hi", "stream": True},
        headers={"Authorization": "Bearer sk-test"},
        timeout=30,
    )


def test_a_trusted_ca_lets_the_stream_through_byte_for_byte_and_checked(upstream: str, certs: Path) -> None:
    direct = httpx.post(
        upstream + "/v1/responses",
        json={"stream": True},
        verify=ssl.create_default_context(cafile=certs / "ca.pem"),
        timeout=30,
    )
    with running_proxy(upstream, upstream_ca=certs / "ca.pem") as proxy:
        answer = _post(proxy.url)
        [result] = proxy.wait_results(1)
    assert answer.status_code == 200 and answer.content == direct.content == GOOD
    assert result.checked and result.error is None and result.note is None
    assert (result.events, result.findings) == (check_bytes(GOOD, "x").events, [])


def test_the_websocket_mode_over_wss_with_a_trusted_ca(upstream: str, certs: Path) -> None:
    client = openai.OpenAI(api_key="sk-test", max_retries=0, timeout=20)
    with running_proxy(upstream, upstream_ca=certs / "ca.pem") as proxy:
        client = client.with_options(base_url=proxy.url + "/v1")
        with client.responses.connect() as connection:
            types = sdk_websocket_turn(connection)
        [result] = proxy.wait_results(1)
    assert types == [json.loads(line.split(b"data: ", 1)[1])["type"] for line in GOOD.split(b"\n\n")[:-1]]
    assert result.method == "WebSocket" and result.checked and result.error is None
    assert result.findings == []
    assert result.events == len(types)


def test_an_untrusted_certificate_is_a_502_that_says_what_to_do(upstream: str) -> None:
    with running_proxy(upstream) as proxy:
        answer = _post(proxy.url)
        [result] = proxy.wait_results(1)
    assert answer.status_code == 502
    message = answer.json()["error"]["message"]
    assert message.startswith(f"the proxy could not reach the upstream {upstream}: its TLS certificate")
    assert "--upstream-ca FILE" in message and "unable to get local issuer certificate" in message
    # The exchange is reported as a call that got no answer, with the same reason.
    assert result.note is not None and "--upstream-ca FILE" in result.note
    assert [f.rule for f in result.findings] == ["RSP012"]


def _serve(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str]:
    """The proxy command started; its URL and the lines it said first (read here: the pipe's text
    buffer may hold more than one line, which ``communicate`` would not see)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "proxy", "--port", "0", "-q", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or ENV,
    )  # fmt: skip
    assert proc.stderr is not None
    first = proc.stderr.readline()
    match = re.match(r"proxy: listening on (http://\S+), forwarding to ", first)
    if match is None:
        proc.kill()
        raise AssertionError(f"unexpected start: {first!r} {proc.communicate(timeout=10)}")
    said = first + proc.stderr.readline()  # where to point the client
    if "--upstream-insecure" in args:
        said += proc.stderr.readline()
    return proc, match.group(1), said


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


@pytest.mark.parametrize("how", ["SSL_CERT_FILE", "--upstream-insecure"])
def test_the_command_trusts_ssl_cert_file_or_verifies_nothing_when_told(
    upstream: str, certs: Path, how: str
) -> None:
    if how == "SSL_CERT_FILE":
        proc, url, said = _serve("--upstream", upstream, env={**ENV, "SSL_CERT_FILE": str(certs / "ca.pem")})
    else:
        proc, url, said = _serve("--upstream", upstream, "--upstream-insecure")
    try:
        answer = _post(url)
    finally:
        code, err = _stop(proc)
    assert answer.status_code == 200 and answer.content == GOOD, err
    assert code == 0 and "Traceback" not in err
    assert ("WARNING: --upstream-insecure" in said + err) is (how == "--upstream-insecure")


def test_upstream_ca_that_cannot_be_read_is_a_usage_error(upstream: str, tmp_path: Path) -> None:
    (tmp_path / "not.pem").write_text("not a certificate\n")
    for args, said in [
        (["--upstream-ca", str(tmp_path / "missing.pem")], "does not exist"),
        (["--upstream-ca", str(tmp_path / "not.pem")], "no PEM certificate read from it"),
        (["--upstream-ca", str(tmp_path / "not.pem"), "--upstream-insecure"], "exclude each other"),
    ]:
        run = subprocess.run(
            [sys.executable, "-m", "validator", "proxy", "--upstream", upstream, "--port", "0", *args],
            capture_output=True, text=True, env=ENV, timeout=60,
        )  # fmt: skip
        assert run.returncode == 2 and said in run.stderr and "Traceback" not in run.stderr, run.stderr
