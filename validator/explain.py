"""``rule RSPnnn``: a rule's documentation, then its examples as the checker sees them.

The reported example is checked when the command runs (so what is shown cannot drift from what
the checker says): each finding of the rule is drawn as ``check`` draws it, its line in a code
frame with a caret under the column. The conforming example is shown as the lines where it
differs from the reported one (or its first lines when the two are not alike), and the folder
holding both files is named for whoever wants them whole.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from validator.catalog import Rule
from validator.engine import CheckOptions, FileResult, check_file
from validator.model.findings import Finding
from validator.reading.excerpt import read_excerpts
from validator.reporting.report import Report
from validator.reporting.reporters.text import TextReporter, cut_around

__all__ = ["example_options", "explain_rule"]

#: Lines of difference drawn for the conforming example; beyond that its first lines are shown.
MAX_DIFF_LINES = 8
#: First lines of a conforming example that is not a small edit of the reported one.
HEAD_LINES = 6
#: Findings of the rule drawn per example (an example shows one defect, sometimes a few).
MAX_FINDINGS = 5


def example_options(sidecar: dict[str, Any]) -> CheckOptions:
    """The options an example is checked with (its sidecar's ``options``)."""
    return CheckOptions.from_json(sidecar.get("options"))


def _files(directory: Path, prefix: str) -> list[Path]:
    """``bad.<ext>`` (or ``good.<ext>``) first, then the further examples (``bad-codex.sse``)."""
    return sorted(
        (p for p in directory.glob(f"{prefix}*") if p.is_file() and not p.name.endswith(".expected.json")),
        key=lambda p: (p.stem != prefix, p.name),
    )


def _sidecar(example: Path) -> dict[str, Any]:
    """The sidecar of a reported example: ``bad.expected.json`` for ``bad.sse``, and each further
    example its own (``bad-codex.expected.json``: checked in the profile it is about)."""
    try:
        loaded = json.loads(example.with_name(f"{example.stem}.expected.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _lines(path: Path) -> list[str]:
    # Examples of framing rules hold invalid UTF-8 on purpose: show those bytes escaped.
    return path.read_bytes().decode("utf-8", "backslashreplace").splitlines()


def explain_rule(rule: Rule, examples: Path, *, width: int = 100, color: bool = False) -> str:
    """The text of ``rule RSPnnn``: the doc, the reported example's findings framed, the
    conforming example in brief."""
    directory = examples / rule.id
    out = [rule.doc()]
    bad = _files(directory, "bad")
    good = _files(directory, "good")
    if not bad:
        out.append("\nExample (reported): no example file yet.\n")
    for path in bad:
        out.append(_reported(rule, path, _sidecar(path), width, color))
    if not good:
        out.append("\nConforming: no example file yet.\n")
    for path in good:
        out.append(_conforming(path, bad[0] if bad else None, width))
    if bad or good:
        out.append(f"\nBoth files whole: {directory}\n")
    return "".join(out)


def _reported(rule: Rule, path: Path, sidecar: dict[str, Any], width: int, color: bool) -> str:
    head = f"\nExample (reported): {path.name}"
    probe = sidecar.get("probe")
    try:
        result = check_file(path, example_options(sidecar), name=path.name)
    except (TypeError, ValueError) as exc:  # a sidecar this version cannot read
        return f"{head}\n  (cannot check it: {exc})\n"
    findings = [f for f in result.findings if f.rule == rule.id]
    if not findings and isinstance(probe, dict):
        # The probe's own expectation (RSP260 and the like): `check` cannot raise it from the body.
        scenario = probe.get("scenario", "?")
        return f"{head}: `probe` reports {rule.id} when a server answers the {scenario} scenario with it.\n"
    if result.error is not None:
        return f"{head}\n  (cannot read it: {result.error})\n"
    if not findings:
        return f"{head}: {rule.id} is not reported on it (please report this).\n"
    shown = findings[:MAX_FINDINGS]
    more = len(findings) - len(shown)
    others = len(result.findings) - len(findings)
    notes = []
    if more:
        notes.append(f"{more} more of {rule.id}")
    if others:
        notes.append(f"{others} finding{'s' if others > 1 else ''} of other rules")
    lines = [
        f"{head}, as `check` reports it" + (f" ({'; '.join(notes)} not shown)" if notes else "") + ":",
        "",
    ]
    excerpts = read_excerpts(str(path), [(f.offset, f.column, bool(f.pointer)) for f in shown])
    report = Report([FileResult(path.name, findings=shown)], excerpts={path.name: excerpts})
    reporter = TextReporter(color=color, width=width)
    for f in shown:
        lines += _block(reporter, f, report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _block(reporter: TextReporter, finding: Finding, report: Report) -> list[str]:
    return [f"  {line}".rstrip() for line in reporter.finding(finding, report)]


def _conforming(path: Path, bad: Path | None, width: int) -> str:
    good_lines = _lines(path)
    total = f"{len(good_lines)} line{'s' if len(good_lines) != 1 else ''}"
    if bad is not None and bad.suffix == path.suffix:
        bad_lines = _lines(bad)
        matcher = difflib.SequenceMatcher(a=bad_lines, b=good_lines, autojunk=False)
        changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        size = sum((i2 - i1) + (j2 - j1) for _, i1, i2, j1, j2 in changes)
        if changes and size <= MAX_DIFF_LINES:
            gutter = len(str(max(len(bad_lines), len(good_lines))))
            rows = [f"\nConforming: {path.name} ({total}), where it differs from {bad.name}:", ""]
            for _, i1, i2, j1, j2 in changes:
                olds, news = bad_lines[i1:i2], good_lines[j1:j2]
                for k, old in enumerate(olds):
                    at = _first_difference(old, news[k] if k < len(news) else "")
                    rows.append(f"  - {i1 + k + 1:>{gutter}} | {_cut(old, at, width - gutter - 7)}")
                for k, new in enumerate(news):
                    at = _first_difference(new, olds[k] if k < len(olds) else "")
                    rows.append(f"  + {j1 + k + 1:>{gutter}} | {_cut(new, at, width - gutter - 7)}")
            return "\n".join(rows) + "\n"
    head = good_lines[:HEAD_LINES]
    gutter = len(str(len(head)))
    rows = [f"\nConforming: {path.name} ({total}):", ""]
    rows += [f"    {n:>{gutter}} | {_cut(line, 0, width - gutter - 7)}" for n, line in enumerate(head, 1)]
    if len(good_lines) > len(head):
        rows.append(f"    {'':>{gutter}}   … {len(good_lines) - len(head)} more lines")
    return "\n".join(rows) + "\n"


def _first_difference(a: str, b: str) -> int:
    shorter = min(len(a), len(b))
    return next((i for i in range(shorter) if a[i] != b[i]), shorter)


def _cut(text: str, at: int, width: int) -> str:
    if text.startswith(":"):  # an SSE comment: the example's own prose (what is wrong, what is right)
        return text
    return cut_around(text, at, max(20, width))[0]
