"""What the Anthropic entries cite, and their severities' short names."""

from validator.model.findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741
DOC = "https://platform.claude.com/docs/en/build-with-claude/streaming"
SDK_S = "anthropic-python 2.17.0 _streaming.py (Stream.__stream__, https://github.com/anthropics/anthropic-sdk-python/blob/v2.17.0/src/anthropic/_streaming.py)"
SDK_A = "anthropic-python 2.17.0 lib/streaming/_messages.py (accumulate_event, https://github.com/anthropics/anthropic-sdk-python/blob/v2.17.0/src/anthropic/lib/streaming/_messages.py)"
SDK_T = "anthropic-python 2.17.0 (https://github.com/anthropics/anthropic-sdk-python/tree/v2.17.0/src/anthropic) types/"
WHATWG = "https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation"
#: Rules about what only api.anthropic.com provides: not reported for compatible servers.
FIRST_PARTY: dict[str, Severity | None] = {"anthropic-compatible": None}
