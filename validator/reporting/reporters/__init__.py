"""Output formats, chosen by name: a new format is one class plus one entry here.

The table names where each class lives, and a class is imported when its format is first asked
for: a check pays for the reporter it writes with, not for all of them (SARIF's hashing and URL
quoting, the HTML report's assets).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module

from validator.reporting.reporters.base import Reporter

__all__ = ["REPORTERS", "STATISTICS", "Reporter", "ReporterTable"]


class ReporterTable(Mapping[str, type[Reporter]]):
    """Format name -> reporter class, from ``"module:Class"`` places, each imported on first use."""

    def __init__(self, places: Mapping[str, str]) -> None:
        self._places = dict(places)
        self._classes: dict[str, type[Reporter]] = {}

    def __getitem__(self, name: str) -> type[Reporter]:
        cls = self._classes.get(name)
        if cls is None:
            module, _, attr = self._places[name].partition(":")
            cls = self._classes[name] = getattr(import_module(module), attr)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


_HERE = __name__
REPORTERS: Mapping[str, type[Reporter]] = ReporterTable(
    {
        "text": f"{_HERE}.text:TextReporter",
        "concise": f"{_HERE}.text:ConciseReporter",
        "json": f"{_HERE}.json:JsonReporter",
        "junit": f"{_HERE}.junit:JunitReporter",
        "sarif": f"{_HERE}.sarif:SarifReporter",
        "github": f"{_HERE}.github:GithubReporter",
        "html": f"{_HERE}.html:HtmlReporter",
    }
)
#: ``--statistics`` output by ``--format`` (``concise`` is text's one-line form: the same table).
STATISTICS: Mapping[str, type[Reporter]] = ReporterTable(
    {
        "text": f"{_HERE}.statistics:StatisticsTextReporter",
        "concise": f"{_HERE}.statistics:StatisticsTextReporter",
        "json": f"{_HERE}.statistics:StatisticsJsonReporter",
    }
)
