"""The Responses protocol's rules (``RSP``), one module per layer."""

from __future__ import annotations

from validator.catalog.responses import consistency, framing, lifecycle, schema
from validator.catalog.rule import Rule

__all__ = ["PROFILES", "RULES"]

#: The first is the default.
PROFILES = ("openai", "open-responses")

RULES: tuple[Rule, ...] = (*framing.RULES, *schema.RULES, *lifecycle.RULES, *consistency.RULES)
