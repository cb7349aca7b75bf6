"""Every rule's example pair, for every protocol: one module (or subpackage) per protocol sharing
:mod:`tools.rule_examples.kit`; importing this package registers them all in
:data:`tools.rule_examples.kit.EXAMPLES`. ``tools/make_rule_examples.py`` writes them."""

from collections.abc import Callable
from pathlib import Path

from tools.rule_examples import anthropic, chat, responses
from tools.rule_examples.kit import EXAMPLES, FORMATS, Example, Rendered, build

__all__ = [
    "EXAMPLES",
    "EXTRA_FILES",
    "FORMATS",
    "Example",
    "Rendered",
    "anthropic",
    "build",
    "chat",
    "responses",
]

#: protocol -> its files beside the rule examples (written on whole runs): our own transcripts.
EXTRA_FILES: dict[str, Callable[[], dict[Path, bytes]]] = {"anthropic": anthropic.transcript_files}
