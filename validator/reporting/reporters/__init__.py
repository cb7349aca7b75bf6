"""Output formats, chosen by name: a new format is one class plus one entry here."""

from __future__ import annotations

from validator.reporting.reporters.base import Reporter
from validator.reporting.reporters.github import GithubReporter
from validator.reporting.reporters.html import HtmlReporter
from validator.reporting.reporters.json import JsonReporter
from validator.reporting.reporters.junit import JunitReporter
from validator.reporting.reporters.sarif import SarifReporter
from validator.reporting.reporters.text import ConciseReporter, TextReporter

__all__ = ["REPORTERS", "Reporter"]

REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls
    for cls in (
        TextReporter,
        ConciseReporter,
        JsonReporter,
        JunitReporter,
        SarifReporter,
        GithubReporter,
        HtmlReporter,
    )
}
