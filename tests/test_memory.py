"""Many findings in little memory: spilled findings, reports written as they are made.

A transcript with a million defects once took gigabytes (every finding, then every report
document, held whole); a CI job checking a server that breaks on every delta must not.

The figures (peak RSS with a million findings) come from ``bench/memory.py``; these tests hold the
memory-saving paths to the results of the plain ones: a :class:`FindingStore` that spilled gives
the findings, order and grouping of a list, every streamed report is byte for byte what the whole
document gives, and the command line writes the same reports whether a file's findings spilled
or not.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import random
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from validator.cli import CheckRequest, execute
from validator.engine import CheckOptions, FileResult, check_file
from validator.engine import store as store_module
from validator.engine.batch import run
from validator.engine.store import FindingStore
from validator.engine.stream import group_repeats
from validator.model.findings import Finding, Location, Severity
from validator.reporting import baseline as baseline_module
from validator.reporting.baseline import Baseline, write_baseline
from validator.reporting.counter import OccurrenceCounter
from validator.reporting.outputs import ReportRequest
from validator.reporting.report import Report
from validator.reporting.reporters import REPORTERS
from validator.reporting.reporters.json import JsonReporter
from validator.reporting.reporters.sarif import SarifReporter

ROOT = Path(__file__).resolve().parent.parent
# Every rule's bad example, and our implementer transcripts (some with grouped schema findings).
EXAMPLES = sorted(p for p in (ROOT / "corpus" / "rules").glob("*/bad.*") if p.suffix != ".json") + sorted(
    p for p in (ROOT / "corpus" / "implementers").iterdir() if not p.name.endswith(".json")
)


def _ungrouped(findings: list[Finding]) -> list[Finding]:
    """The findings as the engine found them: each grouped repeat a finding of its own again."""
    out = []
    for f in findings:
        if not f.related:
            out.append(f)
            continue
        first = dataclasses.replace(f, details=f.details[1:], related=())
        out.append(first)
        out += [
            dataclasses.replace(
                first,
                line=r.line,
                column=r.column,
                offset=r.offset,
                event_index=r.event_index,
                sequence_number=r.sequence_number,
            )
            for r in f.related
        ]
    return out


@pytest.fixture(scope="module")
def results() -> list[FileResult]:
    return [check_file(p) for p in EXAMPLES]


def test_a_spilled_store_gives_the_sorted_grouped_findings_of_a_list(results: list[FileResult]) -> None:
    rng = random.Random(18)
    grouped = 0
    for result in results:
        found = _ungrouped(list(result.findings))
        grouped += len(found) - len(result.findings)
        for _ in range(3):
            rng.shuffle(found)  # the engine finds some findings after later ones (end of stream)
            expected = group_repeats(sorted(found, key=Finding.sort_key))
            spilled = FindingStore(spill=1)
            for f in found:
                spilled.append(f)
            spilled.finish(group_repeats)
            assert list(spilled) == expected, result.path
            assert len(spilled) == len(expected)
            assert sum(spilled.counts.values()) == len(expected)
            spilled.close()
    assert grouped > 0  # the examples do hold grouped repeats


def test_an_unspilled_store_is_its_list(results: list[FileResult]) -> None:
    for result in results[:20]:
        store = FindingStore()
        for f in result.findings:
            store.append(f)
        store.finish(group_repeats)
        assert store == list(result.findings)
        assert store[:2] == list(result.findings)[:2]


def test_json_and_sarif_written_piece_by_piece_are_the_whole_documents(results: list[FileResult]) -> None:
    report = Report([*results, FileResult("gone.sse", error="cannot read gone.sse: no such file")])
    for reporter in (JsonReporter(), SarifReporter(tool_version="0")):
        whole = json.dumps(reporter.document(report), indent=2, ensure_ascii=False) + "\n"
        assert reporter.render(report) == whole
        assert "".join(reporter.chunks(Report([]))) == (
            json.dumps(reporter.document(Report([])), indent=2, ensure_ascii=False) + "\n"
        )


def test_occurrence_counter_counts_like_a_counter() -> None:
    rng = random.Random(7)
    counter = OccurrenceCounter()
    seen: dict[tuple[str, int], int] = {}
    for _ in range(50_000):  # enough to grow the table several times
        key = ("RSP204", rng.randrange(20_000))
        seen[key] = seen.get(key, 0) + 1
        assert counter.add(key) == seen[key]


def _reports(tmp_path: Path, paths: list[str], tag: str) -> dict[str, bytes]:
    """Each format's report of ``paths``, each from its own run (text then reads its code frames'
    lines one at a time; with the HTML report they are read up front)."""
    got = {}
    for fmt in REPORTERS:
        target = tmp_path / f"{tag}.{fmt}"
        request = CheckRequest(
            paths=tuple(paths),
            report=ReportRequest(format=fmt, output=str(target)),
            isolated=True,
            exit_zero=True,
        )
        assert execute(request) == 0
        data = target.read_bytes()
        if fmt == "junit":  # (times differ from run to run)
            data = b"".join(line for line in data.splitlines(True) if b" time=" not in line)
        got[fmt] = data
    return got


def test_reports_are_the_same_whether_findings_spill_or_not(
    results: list[FileResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (with grouped findings, whose places a spilled store reads back as they are written)
    grouped = [str(p) for p, r in zip(EXAMPLES, results, strict=True) if any(f.related for f in r.findings)]
    paths = list(dict.fromkeys([*map(str, EXAMPLES[::10]), *grouped[:4]]))
    kept = _reports(tmp_path, paths, "kept")
    monkeypatch.setattr(store_module, "SPILL", 1)
    spilled = _reports(tmp_path, paths, "spilled")
    for fmt in REPORTERS:
        assert spilled[fmt] == kept[fmt], fmt


def test_a_baseline_hides_the_same_findings_of_a_spilled_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = tuple(str(p) for p in EXAMPLES[::10])
    baseline = tmp_path / "baseline.json"
    quiet = ReportRequest(quiet=True)
    assert execute(CheckRequest(paths=paths, write_baseline=str(baseline), isolated=True, report=quiet)) == 0
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    # Hide every other finding, and record one more of the first than there is (a stale entry).
    doc["findings"] = doc["findings"][::2]
    doc["findings"][0]["count"] += 1
    baseline.write_text(json.dumps(doc), encoding="utf-8")

    def reports(tag: str) -> list[bytes]:
        out = []
        for fmt in ("json", "text"):
            target = tmp_path / f"{tag}.{fmt}"
            request = CheckRequest(
                paths=paths,
                report=ReportRequest(format=fmt, output=str(target)),
                baseline=str(baseline),
                isolated=True,
            )
            assert execute(request) == 1
            out.append(target.read_bytes())
        return out

    kept = reports("kept")
    summary = json.loads(kept[0])["summary"]
    assert summary["baselined"] > 0 and summary["stale"]
    monkeypatch.setattr(store_module, "SPILL", 1)
    assert reports("spilled") == kept


def _untimed(report: bytes) -> bytes:
    """A report less JUnit's times (which differ from run to run)."""
    return b"".join(line for line in report.splitlines(True) if b" time=" not in line)


def _parallel_request(paths: tuple[str, ...], target: Path, fmt: str, jobs: int) -> CheckRequest:
    return CheckRequest(
        paths=paths,
        report=ReportRequest(format=fmt, output=str(target)),
        isolated=True,
        exit_zero=True,
        jobs=jobs,
    )


def test_workers_hand_over_spilled_findings_and_the_reports_are_the_serial_ones(
    results: list[FileResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``-j 2`` a worker's spilled findings come back as its store's file, not as a list:
    the results are adopted stores, every report is byte for byte the ``-j 1`` one, and the
    folder the workers spilled into is gone afterwards."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(store_module, "SPILL", 1)
    # Files with several findings (which spill), grouped ones among them, and a few with one.
    several = [str(p) for p, r in zip(EXAMPLES, results, strict=True) if len(r.findings) > 1]
    grouped = [str(p) for p, r in zip(EXAMPLES, results, strict=True) if any(f.related for f in r.findings)]
    paths = tuple(dict.fromkeys([*several[::4], *grouped[:3], *map(str, EXAMPLES[::40])]))
    parallel, _ = run(paths, CheckOptions(), jobs=2, spill=True)
    serial, _ = run(paths, CheckOptions(), jobs=1, spill=True)
    adopted = [r.findings for r in parallel if getattr(r.findings, "adopted", False)]
    # Every file whose findings spill (those with two or more, containers' aside) came back so.
    assert len(adopted) == sum(getattr(r.findings, "spilled", False) for r in serial) >= 5
    assert [list(r.findings) for r in parallel] == [list(r.findings) for r in serial]
    assert any(f.related for store in adopted for f in store)  # grouped repeats crossed too
    for r in [*parallel, *serial]:
        if isinstance(r.findings, FindingStore):  # (a container's findings are a list)
            r.findings.close()
    assert list(temp.iterdir()) == []
    for fmt in ("json", "sarif", "text", "junit", "github"):
        one, two = tmp_path / f"j1.{fmt}", tmp_path / f"j2.{fmt}"
        assert execute(_parallel_request(paths, one, fmt, 1)) == 0
        assert execute(_parallel_request(paths, two, fmt, 2)) == 0
        assert _untimed(two.read_bytes()) == _untimed(one.read_bytes()), fmt
    assert list(temp.iterdir()) == []


def test_a_parallel_run_stopped_midway_leaves_no_spill_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(store_module, "SPILL", 1)
    paths = tuple(str(p) for p in EXAMPLES[::5])

    def interrupted() -> None:  # as Ctrl-C arrives: while results are still coming in
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(paths, CheckOptions(), jobs=2, on_done=interrupted, spill=True)
    gc.collect()  # (the results adopted so far are dropped with the run)
    assert list(temp.iterdir()) == []


def test_a_large_group_keeps_record_numbers_and_streams_its_places() -> None:
    """30,000 identical schema findings: one finding whose ``related`` reads its 29,999 places
    from the store (8 bytes each held), written by the JSON and SARIF reporters as they are read,
    as the whole documents give them."""
    first = Finding(
        "RSP103", "schema-violation", Severity.ERROR, "bad", "big.jsonl", 1, 1, 0, 0, 0, "t", "/x"
    )
    store = FindingStore()
    for n in range(30_000):
        store.append(dataclasses.replace(first, line=n + 1, offset=100 * n, event_index=n, sequence_number=n))
    store.finish(group_repeats)
    (grouped,) = list(store)
    assert not isinstance(grouped.related, tuple) and len(grouped.related) == 29_999
    assert grouped.related[-1] == Location(30_000, 1, 2_999_900, 29_999, 29_999)
    assert grouped.details[0].startswith("the same on 29999 later events: line 2, 3, 4,")
    report = Report([FileResult("big.jsonl", 30_000, store)])
    for reporter in (JsonReporter(), SarifReporter(tool_version="0")):
        streamed = reporter.render(report)
        assert streamed == json.dumps(reporter.document(report), indent=2, ensure_ascii=False) + "\n"
    assert streamed.count('"the same finding"') == 29_999
    store.close()


def test_a_baseline_written_in_sorted_runs_is_the_whole_one(
    results: list[FileResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--write-baseline`` counts keys a run at a time and merges the runs: the file is byte for
    byte the one a ``Counter`` of every key gives (a key met in several runs summed, a lone
    surrogate written as the whole baseline writes it)."""
    monkeypatch.setattr(baseline_module, "_RUN_KEYS", 3)
    odd = Finding("RSP002", "invalid-json", Severity.ERROR, "bad \ud800 key", "odd.sse", 1, 1, 0)
    every = [*results, *results, FileResult("odd.sse", 1, [odd])]  # each key at least twice
    target = tmp_path / "baseline.json"
    for run_results in (every, results[:1], []):
        recorded, entries = write_baseline(run_results, target)
        whole = Baseline.from_results(run_results, target)
        assert target.read_bytes() == whole.dumps().encode("utf-8", "backslashreplace")
        assert (recorded, entries) == (sum(whole.counts.values()), len(whole.counts))
    assert Baseline.load(target).counts == Counter()


class _SameHash:
    """A key whose hash every other shares: only its value tells it apart."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __hash__(self) -> int:
        return 18

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SameHash) and other.value == self.value


def test_group_heads_tell_keys_with_one_hash_apart() -> None:
    """A spilled store finds a group's first record by its key's hash; keys sharing a hash are
    told apart by reading the first's key back (and the table grows past its first size)."""
    keys: list[object] = [_SameHash(n % 7) for n in range(60)] + [("k", n % 900) for n in range(3000)]
    heads = store_module._Heads(lambda m: keys[m])  # type: ignore[arg-type]
    firsts = [heads.first(k, n) for n, k in enumerate(keys)]  # type: ignore[arg-type]
    assert firsts[:7] == [None] * 7 and firsts[7:60] == [n % 7 for n in range(7, 60)]
    assert firsts[60:960] == [None] * 900 and firsts[960:] == [60 + n % 900 for n in range(900, 3000)]
