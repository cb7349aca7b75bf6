"""The pre-commit hook, run for real: ``pre-commit try-repo`` installs it like a user would.

``try-repo`` clones the hook repository's HEAD, so the test first copies the
current working tree (tracked and untracked, not ignored files) into a throwaway
git repository with one commit: it tests the files as they are now, not the last
commit. pre-commit builds the hook's environment with pip (``pip install .``: the build
backend and the runtime dependencies), so that test needs a package index; without one it is
skipped, saying so. The same hook, as the manifest declares it but run as a ``local`` hook with
this environment's command (``language: system``), needs no index and always runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SEEDS

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def commit_all(repo: Path) -> None:
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "snapshot", cwd=repo)


def pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    assert found, "pre-commit is not installed (pip install -e '.[test]')"
    return found


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of the working tree."""
    dest = tmp_path_factory.mktemp("hook-repo")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
            (dest / rel).chmod(0o644)
    commit_all(dest)
    return dest


def index_missing() -> str | None:
    """Why pip cannot reach a package index here, or None when it can (asked the way pip asks)."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "hatchling"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if probe.returncode == 0 and "hatchling" in probe.stdout:
        return None
    said = [line for line in (probe.stderr or probe.stdout).splitlines() if not line.startswith("WARNING")]
    return said[-1] if said else f"pip index versions exited {probe.returncode}"


def try_repo(
    hook_repo: Path, user_repo: Path, home: Path, hook_id: str = "llm-stream-validator"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [pre_commit(), "try-repo", str(hook_repo), hook_id, "--all-files", "--color", "never"],
        cwd=user_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_hook_manifest_is_well_formed():
    hook, old = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "llm-stream-validator"
    assert hook["language"] == "python"
    assert hook["entry"] == "llm-stream-validator check"
    # The first id keeps working, the same hook under the command's old name.
    assert old["id"] == "responses-validator"
    assert old["entry"] == "responses-validator check"
    assert {k: v for k, v in old.items() if k not in ("id", "name", "entry")} == {
        k: v for k, v in hook.items() if k not in ("id", "name", "entry")
    }


def run_local_hook(user_repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """The manifest's first hook as a local one: its files, exclude and types, this environment's command."""
    (hook, _old) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    command = shutil.which("llm-stream-validator", path=str(Path(sys.executable).parent))
    assert command, "llm-stream-validator is not installed in this environment (pip install -e '.[test]')"
    local = {**hook, "language": "system", "entry": hook["entry"].replace("llm-stream-validator", command, 1)}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (user_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [pre_commit(), "run", "--all-files", "--color", "never", "--config", ".pre-commit-config.yaml"],
        cwd=user_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def check_good_then_bad(run: Callable[[Path], subprocess.CompletedProcess[str]], user: Path) -> None:
    shutil.copyfile(SEEDS / "004_75bce7c82fd61a67.sse", user / "good.sse")
    # Not a transcript: the hook's default `files` must leave it alone.
    (user / "package.json").write_text('{"name": "demo"}\n')
    commit_all(user)

    good = run(user)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    shutil.copyfile(SEEDS / "000_e3213cea1afb5a14.sse", user / "bad.sse")
    git("add", "bad.sse", cwd=user)
    bad = run(user)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "bad.sse:20:" in bad.stdout and " RSP002 error: " in bad.stdout
    assert "good.sse:" not in bad.stdout
    assert "package.json" not in bad.stdout


def test_try_repo_passes_good_and_fails_bad(hook_repo: Path, tmp_path: Path):
    missing = index_missing()
    if missing is not None:
        pytest.skip(
            "pre-commit try-repo installs the hook with pip (hatchling and the runtime dependencies), "
            f"which needs a package index; pip reached none: {missing}. "
            "test_local_hook_passes_good_and_fails_bad ran the same hook without one."
        )
    home = tmp_path / "pre-commit-home"
    user = tmp_path / "user"
    user.mkdir()
    check_good_then_bad(lambda repo: try_repo(hook_repo, repo, home), user)


def test_local_hook_passes_good_and_fails_bad(tmp_path: Path):
    home = tmp_path / "pre-commit-home"
    user = tmp_path / "user"
    user.mkdir()
    check_good_then_bad(lambda repo: run_local_hook(repo, home), user)
