"""Output formats, chosen by name: a new format is one class plus one entry here."""

from __future__ import annotations

from .base import Reporter
from .github import GithubReporter
from .json import JsonReporter
from .junit import JunitReporter
from .sarif import SarifReporter
from .text import TextReporter

__all__ = ["REPORTERS", "Reporter"]

REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls for cls in (TextReporter, JsonReporter, JunitReporter, SarifReporter, GithubReporter)
}
