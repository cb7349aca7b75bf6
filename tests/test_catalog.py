"""The rule catalog (validator/catalog/) is well-formed, complete, and matches the code and examples."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from validator import catalog
from validator.catalog import PROFILES, PROTOCOL_PROFILES, REDIRECTS, RETIRED, RULES, Rule
from validator.engine import CheckOptions
from validator.model.findings import Severity
from validator.tools.probe.run import TARGETS

RULE_DIR = CORPUS / "rules"
SOURCE = ROOT / "validator"
ID_RE = re.compile(r"^(?:RSP|CH|AN)[0-4]\d\d$")
LITERAL_RE = re.compile(r"\b(?:RSP|CH|AN)\d{3}\b")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Names say what is wrong, not what to do about it (ruff: "allow ${rule}" must read naturally).
BAD_NAME_PREFIXES = ("no-", "check-", "disallow-", "ensure-", "require-", "must-", "should-")
LAYERS = ("framing", "schema", "lifecycle", "consistency", "connection")
#: Streams (sse, jsonl, json; a WebSocket session is jsonl) and containers (a cassette, a HAR file).
EXAMPLE_EXTS = ("sse", "jsonl", "json", "yaml", "har", "eventstream")
ALL_RULES = sorted(RULES.values(), key=lambda r: r.id)


def rule_ids(rules: list[Rule]) -> list[str]:
    return [r.id for r in rules]


# ---------------------------------------------------------------- ids and names


def test_ids_unique() -> None:
    ids = [r.id for r in catalog._CATALOG]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate rule ids: {duplicates}"
    assert len(RULES) == len(ids)


def test_names_unique() -> None:
    # Within a protocol: each protocol names its own invalid-json, empty-stream, ...
    names = [(r.protocol, r.name) for r in catalog._CATALOG]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"duplicate rule names: {duplicates}"


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_id_well_formed(rule: Rule) -> None:
    assert ID_RE.match(rule.id), f"{rule.id}: ids are a protocol prefix + 3 digits, hundreds digit 0-4"
    assert RULES[rule.id] is rule
    # The hundreds digit is the layer.
    assert rule.layer == LAYERS[int(rule.id[-3])]


def test_catalog_is_in_id_order() -> None:
    # Readers scan the catalog by id; `validator rules` lists it in this order.
    for prefix in ("RSP", "CH", "AN"):
        ids = [r.id for r in catalog._CATALOG if r.id.rstrip("0123456789") == prefix]
        assert ids == sorted(ids), prefix


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_name_names_the_bad_pattern(rule: Rule) -> None:
    assert NAME_RE.match(rule.name), f"{rule.id} {rule.name!r}: names are kebab-case"
    assert not rule.name.startswith(BAD_NAME_PREFIXES), (
        f"{rule.id} {rule.name!r}: name the bad pattern (what is wrong), not the check or the fix"
    )


# ---------------------------------------------------------------- documentation and severities


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_rule_documented(rule: Rule) -> None:
    for fld in ("message", "what", "why", "source"):
        value = getattr(rule, fld)
        assert isinstance(value, str) and value.strip(), f"{rule.id}: empty {fld}"
        assert value == value.strip(), f"{rule.id}: {fld} has surrounding whitespace"
    assert "\n" not in rule.message, f"{rule.id}: the message is one line"
    doc = rule.doc()
    assert rule.id in doc and rule.name in doc and rule.why in doc


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_severities(rule: Rule) -> None:
    assert isinstance(rule.severity, Severity)
    assert set(rule.profiles) <= set(PROFILES), f"{rule.id}: unknown profile in {set(rule.profiles)}"
    for profile, severity in rule.profiles.items():
        assert severity is None or isinstance(severity, Severity), f"{rule.id} {profile}: {severity!r}"
    # A rule that applies nowhere could never fire.
    assert any(rule.severity_in(p) is not None for p in PROFILES), f"{rule.id} applies in no profile"
    for case, table in rule.cases.items():
        assert case == case.lower() and " " not in case, f"{rule.id}: case {case!r} is not kebab-case"
        assert table and set(table) <= set(PROFILES), f"{rule.id} {case}: unknown profile in {set(table)}"
        assert f"Severity of the case {case}" in rule.doc(), f"{rule.id}: case {case} undocumented"


# ---------------------------------------------------------------- retired and redirected ids


def test_retired_and_redirected_ids_are_not_rules() -> None:
    for old in RETIRED:
        assert ID_RE.match(old), f"retired id {old!r} is malformed"
        assert old not in RULES, f"{old} is retired but still in RULES"
        assert RETIRED[old].strip(), f"retired {old} needs a reason"
    for old, new in REDIRECTS.items():
        assert ID_RE.match(old), f"redirected id {old!r} is malformed"
        assert old not in RULES, f"{old} redirects to {new} but is still in RULES"
        assert new in RULES, f"{old} redirects to unknown {new}"
        assert catalog.rule(old) is RULES[new]
    assert not set(RETIRED) & set(REDIRECTS), "an id is either retired or redirected"


# ---------------------------------------------------------------- the code emits only catalog ids


def source_files() -> list[Path]:
    return sorted(
        p
        for p in SOURCE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".so")
    )


def test_every_id_in_the_source_is_in_the_catalog() -> None:
    files = source_files()
    assert any(p.parent.name == "catalog" for p in files), f"no sources found under {SOURCE}"
    unknown: dict[str, list[str]] = {}
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            for match in LITERAL_RE.finditer(line):
                rule_id = match.group()
                # The numbers the spec notes proposed ("CHAT.md CH024") are citations, not ids.
                if re.search(r"\b[A-Z]+\.md\b", line[: match.start()]):
                    continue
                # the catalog may name old ids in its RETIRED/REDIRECTS tables; nothing else may.
                if rule_id in RULES or (
                    path.parent.name == "catalog" and (rule_id in RETIRED or rule_id in REDIRECTS)
                ):
                    continue
                unknown.setdefault(rule_id, []).append(f"{path.relative_to(ROOT)}:{lineno}")
    assert not unknown, "ids used in validator/ but not in the catalog:\n" + "\n".join(
        f"  {rule_id}: {', '.join(places)}" for rule_id, places in sorted(unknown.items())
    )


# ---------------------------------------------------------------- every rule has its examples


def example_dirs() -> list[Path]:
    return sorted(p for p in RULE_DIR.iterdir() if p.is_dir()) if RULE_DIR.is_dir() else []


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_rule_has_examples(rule: Rule) -> None:
    directory = RULE_DIR / rule.id
    assert directory.is_dir(), f"{rule.id}: missing {directory.relative_to(ROOT)}/ (see corpus/README.md)"
    for kind in ("bad", "good"):
        found = [ext for ext in EXAMPLE_EXTS if (directory / f"{kind}.{ext}").is_file()]
        assert len(found) == 1, f"{rule.id}: expected one {kind}.{{{','.join(EXAMPLE_EXTS)}}}, found {found}"
    assert (directory / "bad.expected.json").is_file(), f"{rule.id}: missing bad.expected.json"


def test_no_examples_for_unknown_rules() -> None:
    orphans = [d.name for d in example_dirs() if d.name not in RULES]
    assert not orphans, f"example directories for ids not in the catalog: {orphans}"


OPTION_FIELDS = {f.name for f in dataclasses.fields(CheckOptions)}
#: Rules only a live probe run can raise: their examples are a scenario's answers (corpus/README.md).
PROBE_ONLY = {"RSP260", "CH270", "AN260"}


def test_probe_only_rules_have_probe_examples() -> None:
    for rule_id in sorted(PROBE_ONLY):
        sidecar = json.loads((RULE_DIR / rule_id / "bad.expected.json").read_text(encoding="utf-8"))
        assert "probe" in sidecar, f"{rule_id} is raised only by the probe: its sidecar names a scenario"


@pytest.mark.parametrize("directory", example_dirs(), ids=[d.name for d in example_dirs()])
def test_sidecar_well_formed(directory: Path) -> None:
    sidecar = json.loads((directory / "bad.expected.json").read_text(encoding="utf-8"))
    assert isinstance(sidecar, dict) and set(sidecar) <= {"options", "findings", "probe"}
    options = sidecar.get("options", {})
    assert set(options) <= OPTION_FIELDS, f"unknown options {set(options) - OPTION_FIELDS}"
    if "probe" in sidecar:
        # Only rules that nothing but the live probe raises are run as probe scenarios.
        assert directory.name in PROBE_ONLY, f"{directory.name}: a probe example for a rule files can show"
        assert set(sidecar["probe"]) == {"scenario"}
        assert any(sidecar["probe"]["scenario"] in t.scenarios for t in TARGETS.values())
    findings = sidecar["findings"]
    assert findings, "a bad example produces at least its own finding"
    for f in findings:
        assert set(f) == {"rule", "line"}, f"finding keys are rule and line: {f}"
        assert f["rule"] in RULES, f"unknown rule {f['rule']}"
        assert f["rule"] not in RETIRED and f["rule"] not in REDIRECTS, f"retired/redirected id {f['rule']}"
        assert isinstance(f["line"], int) and f["line"] >= 1, f"bad line in {f}"
    # The example must be checked in a setting where its rule can fire at all.
    rule = RULES[directory.name]
    profile = options.get("profile") or PROTOCOL_PROFILES[rule.protocol][0]
    assert rule.severity_in(profile) is not None, (
        f"{rule.id} does not apply in profile {profile!r}: set options.profile"
    )
    if rule.strict_only:
        assert options.get("strict") is True, f"{rule.id} is strict-only: set options.strict"


# ---------------------------------------------------------------- sources

#: A section label of the working notes the rules were written from (../shared/spec: RULES.md B3,
#: EVENTS.md §12, CHAT.md CH024, ANTHROPIC.md proposal 10, CHANGES-2026-12.md §4). They are not
#: published with the project, so a reader cannot follow them: a rule cites what they cite.
WORKING_NOTE = re.compile(
    r"(?<![\w/])(?:RULES|EVENTS|CHAT|ANTHROPIC)\.md(?:'s)?\b(?! *\])|CHANGES-2026-12|"
    r"\b(?:RULES|EVENTS|CHAT|ANTHROPIC)\b *(?:§|proposal\b|[A-O]\d+\b|CH\d{3}\b)"
)


@pytest.mark.parametrize("rule", ALL_RULES, ids=rule_ids(ALL_RULES))
def test_rule_docs_cite_public_sources_not_our_working_notes(rule: Rule) -> None:
    doc = rule.doc()
    assert not WORKING_NOTE.search(doc), f"{rule.id} cites a working note: {WORKING_NOTE.search(doc)}"
    # A public document to follow: a spec, an SDK file, an issue, by its address.
    assert "https://" in rule.source, f"{rule.id}'s source has no public address: {rule.source}"


def test_user_docs_cite_no_working_note_section() -> None:
    labelled = re.compile(r"(?:RULES|EVENTS|CHAT|ANTHROPIC)\.md *(?:§|proposal\b|[A-O]\d+\b|CH\d{3}\b)")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not labelled.search(line), f"{path.name}:{n} cites a working note: {line.strip()}"
