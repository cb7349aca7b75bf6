"""The wheel carries the schemas and works from outside the source tree; the sdist holds what its
tests need and they run from it.

No package index is needed: the wheel and the sdist are built with ``--no-isolation`` by the
build backend the test extra installs (hatchling), the wheel is installed with ``--no-index
--no-deps``, and the fresh environment reads its dependencies from this one's site-packages
(a ``.pth`` file), which ``pip check`` then holds to the wheel's declared requirements.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, SHARED


def _build(kind: str, out: Path) -> Path:
    try:
        import hatchling  # noqa: F401  (the build backend, from the test extra)
    except ImportError:
        pytest.fail("hatchling is not installed: pip install -e '.[test]' installs the build backend")
    proc = subprocess.run(
        [sys.executable, "-m", "build", f"--{kind}", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"build --{kind} --no-isolation failed:\n{proc.stdout}{proc.stderr}"
    pattern = "llm_stream_validator-*.whl" if kind == "wheel" else "llm_stream_validator-*.tar.gz"
    (built,) = out.glob(pattern)
    return built


def _env_with_our_dependencies(env_dir: Path) -> Path:
    """A fresh virtual environment that imports this one's installed packages (not the source tree)."""
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Appended after the new environment's own site-packages: the installed wheel comes first. The
    # editable install's own .pth file is not processed from there, so the source tree stays out.
    (Path(site) / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return py


def test_installed_wheel_checks_seeds_outside_the_source_tree(tmp_path: Path) -> None:
    wheel = _build("wheel", tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("validator/_schemas/") and n.endswith(".json") for n in names)
    assert any(n.startswith("validator/_rule_examples/") for n in names)

    env_dir = tmp_path / "env"
    py = _env_with_our_dependencies(env_dir)
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # Every requirement the wheel declares is met (by the versions this environment holds).
    deps = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True, check=False)
    problems = [line for line in deps.stdout.splitlines() if line.startswith("llm-stream-validator ")]
    assert not problems, deps.stdout

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


def _project_files() -> set[str]:
    """The files of the project: git's list where this is a checkout, else the tree as it lies."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True, check=False
    )
    if listed.returncode == 0 and listed.stdout:
        return {name for name in listed.stdout.split("\0") if name and (ROOT / name).is_file()}
    skip = {"__pycache__", ".venv", ".venv-litellm", ".pytest_cache", ".ruff_cache", ".hypothesis", "dist"}
    return {
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*")
        if path.is_file() and not skip & set(path.relative_to(ROOT).parts) and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build("sdist", tmp_path_factory.mktemp("sdist"))


def test_sdist_holds_every_project_file(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        held = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = sorted(_project_files() - held)
    assert not missing, f"{sdist.name} ({top}) leaves out {len(missing)} files: {missing[:20]}"
    # What an sdist once left out (its tests then failed from it), named so that a regression reads plainly.
    for needed in (".pre-commit-hooks.yaml", "docs/USAGE.md", "tools/make_rule_examples.py", "CHANGELOG.md"):
        assert needed in held


def test_tests_run_from_the_unpacked_sdist(sdist: Path, tmp_path: Path) -> None:
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    (tree,) = tmp_path.iterdir()
    # The unpacked tree's package, not this checkout's: PYTHONPATH reaches the subprocesses too.
    env = {**os.environ, "PYTHONPATH": str(tree), "RESPONSES_VALIDATOR_SHARED": str(SHARED)}
    where = subprocess.run(
        [sys.executable, "-c", "import validator; print(validator.__file__)"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(tree)), where
    # The tests that read docs/, tools/ and the hook manifest, which the sdist used to leave out.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_docs.py",
            "tests/test_precommit.py::test_hook_manifest_is_well_formed",
            "tests/test_rule_examples.py::test_examples_match_their_generator",
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]
