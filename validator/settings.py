"""``check --show-settings``: the settings a run would use, where each comes from, and its files.

Like ``ruff check --show-settings``: the configuration file found (or why none), each setting's
value with its source (the command line, the configuration file, or the default), then the files
the paths resolve to, without checking them. Text for people, JSON with ``--format json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.catalog import PROTOCOL_PROFILES
from validator.config import SECTION, Config
from validator.engine.options import MAX_LINE_BYTES
from validator.reading.discover import DEFAULT_EXCLUDE, DEFAULT_INCLUDE

__all__ = ["DEFAULTS", "Setting", "resolve_settings", "settings_json", "settings_text"]

#: What each setting is when neither the command line nor the configuration file says.
DEFAULTS: dict[str, Any] = {
    "profile": None,
    "protocol": "auto",
    "input_format": "auto",
    "strict": False,
    "select": [],
    "ignore": [],
    "include": list(DEFAULT_INCLUDE),
    "exclude": [],
    "format": "text",
    "output": None,
    "reports": {},
    "baseline": None,
    "jobs": 1,
    "max_line_bytes": MAX_LINE_BYTES,
}
#: The settings a configuration file can hold (the rest come from the command line only).
CONFIGURABLE = ("profile", "select", "ignore", "strict", "include", "exclude", "format", "max_line_bytes")
_DEFAULT_PROFILE = "each protocol's first: " + ", ".join(p[0] for p in PROTOCOL_PROFILES.values())


@dataclass(frozen=True)
class Setting:
    name: str
    value: Any
    #: "command line", the configuration file's path, or "default".
    source: str


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def resolve_settings(given: Mapping[str, Any], config: Config) -> list[Setting]:
    """Each setting's value and source: ``given`` holds the command line's (None: not given;
    a value equal to an option's own default counts as not given)."""
    out = []
    for name, default in DEFAULTS.items():
        value = _plain(given.get(name))
        if value is not None and value != default:
            out.append(Setting(name, value, "command line"))
            continue
        from_config = getattr(config, name) if name in CONFIGURABLE else None
        if from_config is not None:
            out.append(Setting(name, _plain(from_config), str(config.source)))
        else:
            out.append(Setting(name, value if value is not None else default, "default"))
    return out


def _config_line(config: Config, isolated: bool, start: Path) -> str:
    if isolated:
        return "none (--isolated)"
    if config.source is None:
        return f"none (no pyproject.toml with [tool.{SECTION}] in {start} or above)"
    return str(config.source)


def _shown(setting: Setting) -> str:
    value = setting.value
    if setting.name == "profile" and value is None:
        return _DEFAULT_PROFILE
    if setting.name in ("select", "ignore") and not value:
        return "all rules" if setting.name == "select" else "none"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} -> {v}" for k, v in value.items()) if value else "none"
    if value is None:
        return "standard output" if setting.name == "output" else "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def settings_text(
    config: Config,
    settings: Sequence[Setting],
    files: Sequence[str],
    skipped: Sequence[tuple[str, str]],
    *,
    isolated: bool = False,
    start: Path | None = None,
) -> str:
    start = start or Path.cwd()
    width = max(len(s.name) for s in settings)
    lines = [f"Configuration file: {_config_line(config, isolated, start)}", "", "Settings:"]
    for s in settings:
        lines.append(f"  {s.name:<{width}} = {_shown(s)}  ({s.source})")
    lines.append(f"  {'':<{width}}   always skipped in directories: {', '.join(DEFAULT_EXCLUDE)}")
    lines += ["", f"Files ({len(files)}):", *(f"  {f}" for f in files)]
    lines += [f"  skipped: {path}: {why}" for path, why in skipped]
    return "\n".join(lines) + "\n"


def settings_json(
    config: Config,
    settings: Sequence[Setting],
    files: Sequence[str],
    skipped: Sequence[tuple[str, str]],
    *,
    isolated: bool = False,
) -> str:
    doc = {
        "config_file": None if isolated or config.source is None else str(config.source),
        "settings": {s.name: {"value": s.value, "source": s.source} for s in settings},
        "always_excluded": list(DEFAULT_EXCLUDE),
        "files": list(files),
        "skipped": [{"path": path, "reason": why} for path, why in skipped],
    }
    return json.dumps(doc, indent=2) + "\n"
