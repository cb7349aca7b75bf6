"""Reading JSON values the way every layer reads them: small pure helpers with no state."""

from __future__ import annotations

from typing import Any

__all__ = ["int_or_none", "str_or_none"]


def int_or_none(value: Any) -> int | None:
    """An integer field's value: an int, or a float with no fraction (JSON has one number type,
    and JSON Schema's ``integer`` takes ``4.0``, so the lifecycle reads it as 4 too)."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
