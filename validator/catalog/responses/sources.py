"""What the Responses entries cite, and their severities' short names."""

from validator.model.findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741
SPEC_OR = "https://www.openresponses.org/specification/2026-04-24"
SPEC_OAI = "https://platform.openai.com/docs/api-reference/responses-streaming"
WHATWG = "https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation"
