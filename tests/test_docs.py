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
