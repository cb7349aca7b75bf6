"""The user documentation says what the code does: option lists and Python names resolve."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click
import pytest
from conftest import ROOT

from validator.cli import cli

DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _choices(command: str, option: str) -> list[str]:
    cmd = cli.commands[command]
    (param,) = [p for p in cmd.params if option in getattr(p, "opts", ())]
    assert isinstance(param.type, click.Choice)
    return list(param.type.choices)


def test_every_documented_input_format_list_is_the_clis() -> None:
    choices = _choices("check", "--input-format")
    assert _choices("show", "--input-format") == choices
    lists = []
    for path in DOCS:
        # `--input-format auto|sse|...` in prose, `auto\|sse\|...` inside a table.
        for found in re.findall(r"--input-format ((?:\w+\\?\|)+\w+)", _text(path)):
            lists.append((path.name, found.replace("\\|", "|").split("|")))
    assert lists, "no --input-format list found in the docs"
    full = [(name, listed) for name, listed in lists if "auto" in listed]
    assert full, "no complete --input-format list (one with auto) in the docs"
    for name, listed in full:
        assert listed == choices, (
            f"{name}: --input-format {'|'.join(listed)}; the CLI takes {'|'.join(choices)}"
        )
    for name, listed in lists:  # a few of them, e.g. `--input-format cassette|har forces the kind`
        assert set(listed) <= set(choices), f"{name}: --input-format {'|'.join(listed)} is not the CLI's"


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def _documented_names() -> list[tuple[str, str]]:
    names = []
    for path in DOCS:
        text = _text(path)
        for module, imported in re.findall(r"^\s*from (validator[\w.]*) import ([\w, ]+)$", text, re.M):
            names += [(path.name, f"{module}.{n.strip()}") for n in imported.split(",") if n.strip()]
        # A Python name in backquotes: `validator.engine.containers.check_container(data, ...)`.
        names += [(path.name, n) for n in re.findall(r"`(validator(?:\.\w+)+)[`(]", text)]
    return names


@pytest.mark.parametrize(("doc", "name"), _documented_names())
def test_documented_python_names_exist(doc: str, name: str) -> None:
    assert _resolves(name), f"{doc} names {name}, which does not exist"


def _module_table() -> dict[str, str]:
    """ARCHITECTURE.md's table of packages: the package (``top`` = ``validator`` itself) -> what it owns."""
    text = _text(ROOT / "docs" / "ARCHITECTURE.md")
    section = text.split("## Packages and what each owns", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = line.split(" | ")
        if line.startswith("| ") and len(cells) >= 3 and cells[0] not in ("| package", "|---"):
            rows[cells[0].removeprefix("| ").strip("`")] = cells[1]
    return rows


def test_the_architecture_table_names_every_module_of_the_tree() -> None:
    rows = _module_table()
    assert {"top", "model/", "protocols/", "protocols/chat/", "protocols/anthropic/"} <= rows.keys()
    package = ROOT / "validator"
    for name, owns in rows.items():
        folder = package if name == "top" else package / name
        named = set(re.findall(r"`([\w/]+\.py)\b", owns)) | set(re.findall(r"`(\w+/)`", owns))
        # Each module and subpackage of the folder is named in its row (a subpackage with a row of
        # its own counts as named).
        children = {p.name for p in folder.glob("*.py") if p.name != "__init__.py"}
        children |= {
            p.name + "/" for p in folder.iterdir() if (p / "__init__.py").exists() or any(p.glob("*.py"))
        }
        unnamed = {
            c for c in children if c not in named and f"{'' if name == 'top' else name}{c}" not in rows
        }
        assert not unnamed, f"ARCHITECTURE.md's {name} row does not name {sorted(unnamed)}"
        # And what it names exists: in the folder or below it, or as a path from validator/.
        for module in named:
            stem = module.rstrip("/")
            assert any(folder.rglob(stem)) or (package / stem).exists(), (
                f"{name} row names {module}: not in the tree"
            )


#: Labels of our working notes (an issue or bug number, a worktree's name) that mean nothing to a
#: reader of the code: a comment says the reason itself. Upstream references keep their ``#``.
_WORKING_LABEL = re.compile(
    r"\b(?:issue|bug|stop) \d+\b|\b(?:perf|misc|cli|codex|chat|mem|pack|proxyx?)\d{2}\b", re.I
)


def test_code_comments_and_sidecar_notes_carry_no_working_note_labels() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for folder in ("validator", "tools", "tests", "bench", "corpus")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".json") and path.name != "test_docs.py"
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if _WORKING_LABEL.search(line)
    ]
    assert not found, "\n".join(found[:20])
