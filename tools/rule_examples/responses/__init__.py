"""The Responses rules' examples (``RSP``), one module per layer of the catalog; importing this
package registers them all and the Responses format (SSE, no default options)."""

from collections.abc import Iterable
from typing import Any

from tools.rule_examples.kit import FORMATS, Example, Format, Rendered
from tools.rule_examples.responses import connection, consistency, framing, lifecycle, schema, transport
from tools.rule_examples.responses.streams import render

__all__ = ["connection", "consistency", "framing", "lifecycle", "schema", "transport"]


def _render(events: list[Any], header: str, ext: str, terminated: bool, end_marks: Iterable[str]) -> Rendered:
    assert ext == "sse", "Responses examples in other formats come rendered (Example.files)"
    return render(events, header, terminated=terminated, end_marks=end_marks)


def _options(ex: Example) -> dict[str, Any]:
    return ex.options if ex.options is not None else {}


FORMATS["responses"] = Format(_render, _options)
