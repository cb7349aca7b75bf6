"""The distribution's name and version, for every layer that prints them."""

from __future__ import annotations

__all__ = ["COMMAND", "DISTRIBUTION", "OLD_COMMAND", "version"]

#: The name on PyPI, the console command and the tool name in every report.
DISTRIBUTION = "llm-stream-validator"
COMMAND = DISTRIBUTION
#: The command's first name, still installed as an alias.
OLD_COMMAND = "responses-validator"


def version() -> str:
    # importlib.metadata (and the email package it pulls in) is only loaded when asked for.
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    for name in (DISTRIBUTION, OLD_COMMAND):
        try:
            return installed(name)
        except PackageNotFoundError:
            continue
    return "0+unknown"  # a source tree that was never installed
