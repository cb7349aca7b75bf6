"""The wheel carries the schemas and works from outside the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from conftest import ROOT, SEEDS


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("llm_stream_validator-*.whl")
    return wheel


def test_installed_wheel_checks_seeds_outside_the_source_tree(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("validator/_schemas/") and n.endswith(".json") for n in names)
    assert any(n.startswith("validator/_rule_examples/") for n in names)

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)

    work = tmp_path / "elsewhere"
    work.mkdir()
    clean = work / "clean.sse"
    broken = work / "broken.sse"
    clean.write_bytes((SEEDS / "004_75bce7c82fd61a67.sse").read_bytes())
    broken.write_bytes((SEEDS / "000_e3213cea1afb5a14.sse").read_bytes())
    exe = env_dir / "bin" / "llm-stream-validator"

    ok = subprocess.run([str(exe), "check", str(clean)], cwd=work, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The command's first name stays installed as an alias.
    alias = env_dir / "bin" / "responses-validator"
    old = subprocess.run([str(alias), "check", str(broken)], cwd=work, capture_output=True, text=True)
    assert old.returncode == 1, old.stdout + old.stderr

    bad = subprocess.run(
        [str(exe), "check", "--format", "json", str(broken)], cwd=work, capture_output=True, text=True
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    report = json.loads(bad.stdout)
    rules = sorted(f["rule"] for f in report["files"][0]["findings"])
    assert "RSP002" in rules

    # The package must be the installed one, not the source tree.
    where = subprocess.run(
        [str(py), "-c", "import validator, sys; print(validator.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where
