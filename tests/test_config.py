"""Configuration discovery and validation (``[tool.llm-stream-validator]``, or the old
``[tool.responses-validator]``), and the command line overriding it."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator import config as config_module
from validator.config import Config, ConfigError, discover, find_pyproject, load_config

FULL = """\
[project]
name = "demo"

[tool.responses-validator]
profile = "open-responses"
select = ["RSP0", "RSP2"]
ignore = "RSP005, RSP006"
strict = true
include = ["*.sse"]
exclude = ["fixtures", "recorded/*.json"]
format = "github"
max-line-bytes = 1048576
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_is_read(tmp_path: Path):
    cfg = load_config(write(tmp_path / "pyproject.toml", FULL))
    assert cfg == Config(
        source=tmp_path / "pyproject.toml",
        profile="open-responses",
        select=("RSP0", "RSP2"),
        ignore=("RSP005", "RSP006"),
        strict=True,
        include=("*.sse",),
        exclude=("fixtures", "recorded/*.json"),
        format="github",
        max_line_bytes=1048576,
    )


def test_the_new_section_name_is_read_and_wins_over_the_old_one(tmp_path: Path):
    new = FULL.replace("[tool.responses-validator]", "[tool.llm-stream-validator]")
    assert load_config(write(tmp_path / "a" / "pyproject.toml", new)).profile == "open-responses"
    both = new + '\n[tool.responses-validator]\nprofile = "openai"\n'
    assert load_config(write(tmp_path / "b" / "pyproject.toml", both)).profile == "open-responses"
    with pytest.raises(ConfigError, match=r"in \[tool\.llm-stream-validator\]"):
        load_config(write(tmp_path / "c" / "pyproject.toml", "[tool.llm-stream-validator]\nprofil = 1\n"))


def test_nearest_pyproject_with_the_section_wins(tmp_path: Path):
    write(tmp_path / "pyproject.toml", FULL)
    # A nested project without our section (a vendored package, say) does not hide the outer one.
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "inner"\n')
    deep = tmp_path / "sub" / "deeper"
    deep.mkdir()
    assert find_pyproject(deep) == tmp_path / "pyproject.toml"
    write(tmp_path / "sub" / "pyproject.toml", '[tool.responses-validator]\nprofile = "openai"\n')
    assert find_pyproject(deep) == tmp_path / "sub" / "pyproject.toml"
    assert discover(deep).profile == "openai"


def test_no_config_anywhere_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(config_module, "find_pyproject", lambda start=None: None)
    assert discover(tmp_path) == Config()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('profil = "openai"', r"unknown key 'profil' in \[tool.responses-validator\] \(known: profile, "),
        (
            'profile = "azure"',
            "'profile' must be one of openai, open-responses, codex, chat, chat-compat, anthropic, "
            "anthropic-compatible, not 'azure'",
        ),
        ('format = "xml"', "'format' must be one of text, concise, json, junit, sarif, github, html"),
        ("strict = 1", "'strict' must be true or false"),
        ("select = [1, 2]", "'select' must be a list of strings"),
        ("max-line-bytes = 0", "'max-line-bytes' must be a positive integer, not 0"),
        ('max-line-bytes = "64M"', "'max-line-bytes' must be a positive integer, not '64M'"),
        ("max_line_bytes = 10", r"unknown key 'max_line_bytes'.*max-line-bytes"),
    ],
)
def test_invalid_settings_are_errors_naming_the_file(tmp_path: Path, body: str, message: str):
    path = write(tmp_path / "pyproject.toml", f"[tool.responses-validator]\n{body}\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))


def test_broken_toml_is_an_error(tmp_path: Path):
    path = write(tmp_path / "pyproject.toml", "[tool.responses-validator\nprofile=")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path)


def test_without_a_toml_parser_a_section_is_an_error_not_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # What Python 3.10 without tomli sees.
    monkeypatch.setattr(config_module, "_toml", lambda: None)
    path = write(tmp_path / "pyproject.toml", FULL)
    with pytest.raises(ConfigError, match="needs tomli"):
        load_config(path)
    other = write(tmp_path / "other" / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(other) == Config(source=other)
