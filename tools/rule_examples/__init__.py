"""Every rule's example pair, defined per layer of the catalog; importing this package registers
them all in :data:`tools.rule_examples.kit.EXAMPLES`."""

from tools.rule_examples import connection, consistency, framing, lifecycle, schema, transport
from tools.rule_examples.kit import EXAMPLES, Example, Rendered, render

__all__ = [
    "EXAMPLES",
    "Example",
    "Rendered",
    "connection",
    "consistency",
    "framing",
    "lifecycle",
    "render",
    "schema",
    "transport",
]
