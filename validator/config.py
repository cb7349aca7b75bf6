"""Project settings from ``[tool.llm-stream-validator]`` (or the older ``[tool.responses-validator]``)
in ``pyproject.toml``.

The nearest ``pyproject.toml`` that has the section, searching upward from the
current directory, supplies defaults so that the pre-commit hook, a terminal and
CI agree; command-line options override it. Unknown keys are errors: a typo in a
config file must not silently do nothing.

Python 3.10 has no ``tomllib``; there ``tomli`` is used (a conditional
dependency). Without either, a project that has the section gets a clear error
rather than silently different results.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from validator.catalog import PROFILES


def _toml() -> Any:
    """The TOML parser (imported when a pyproject.toml is read, not at start-up), or None."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:  # pragma: no cover - exercised on 3.10 only
        import tomli

        return tomli
    except ImportError:  # pragma: no cover
        return None


__all__ = ["SECTION", "Config", "ConfigError", "discover", "find_pyproject", "load_config"]

SECTION = "llm-stream-validator"
#: The section's first name, still read when the new one is absent.
OLD_SECTION = "responses-validator"
SECTIONS = (SECTION, OLD_SECTION)
FILENAME = "pyproject.toml"


class ConfigError(Exception):
    """The configuration file is unreadable or holds an invalid setting."""


@dataclass(frozen=True)
class Config:
    """Settings from a config file; ``None`` means "not set there"."""

    source: Path | None = None
    profile: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    strict: bool | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    format: str | None = None
    max_line_bytes: int | None = None


#: The section's keys: the fields' names in kebab case (``max-line-bytes``), as ruff's are.
KEYS = tuple(f.name.replace("_", "-") for f in fields(Config) if f.name != "source")


def _has_section(text: str) -> bool:
    return any(f"[tool.{name}]" in text or f'[tool."{name}"]' in text for name in SECTIONS)


def _parse(path: Path) -> tuple[str, dict[str, Any]] | None:
    """The section's name and table, or None when the file has none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    tomllib = _toml()
    if tomllib is None:
        if _has_section(text):
            raise ConfigError(
                f"{path}: reading [tool.{SECTION}] on Python 3.10 needs tomli (pip install tomli)"
            )
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = doc.get("tool", {})
    name = next((name for name in SECTIONS if name in tool), None)
    if name is None:
        return None
    section = tool[name]
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.{name}] must be a table")
    return name, section


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has our section."""
    here = (start or Path.cwd()).absolute()
    for directory in (here, *here.parents):
        candidate = directory / FILENAME
        if candidate.is_file() and _parse(candidate) is not None:
            return candidate
    return None


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    # A comma-separated string is accepted too, as on the command line.
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(part.strip() for v in value for part in v.split(",") if part.strip())


def load_config(path: Path) -> Config:
    """Read the section from one file (an empty :class:`Config` if it has none)."""
    parsed = _parse(path)
    if parsed is None:
        return Config(source=path)
    name, section = parsed
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f" in [tool.{name}] (known: {', '.join(KEYS)})"
        )
    values: dict[str, Any] = {}
    for key in ("select", "ignore", "include", "exclude"):
        if key in section:
            values[key] = _string_list(path, key, section[key])
    if "strict" in section:
        if not isinstance(section["strict"], bool):
            raise ConfigError(f"{path}: 'strict' must be true or false")
        values["strict"] = section["strict"]
    if "max-line-bytes" in section:
        limit = section["max-line-bytes"]
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigError(f"{path}: 'max-line-bytes' must be a positive integer, not {limit!r}")
        values["max_line_bytes"] = limit
    for key, allowed in (("profile", PROFILES), ("format", _formats())):
        if key in section:
            if section[key] not in allowed:
                raise ConfigError(
                    f"{path}: '{key}' must be one of {', '.join(allowed)}, not {section[key]!r}"
                )
            values[key] = section[key]
    return Config(source=path, **values)


def discover(start: Path | None = None) -> Config:
    path = find_pyproject(start)
    return load_config(path) if path is not None else Config()


def _formats() -> Iterable[str]:
    from validator.reporting.reporters import REPORTERS

    return tuple(REPORTERS)
