"""The pre-commit hook, run for real: ``pre-commit try-repo`` installs it like a user would.

``try-repo`` clones the hook repository's HEAD, so the test first copies the
current working tree (tracked and untracked, not ignored files) into a throwaway
git repository with one commit: it tests the files as they are now, not the last
commit. pre-commit builds the hook's environment from PyPI, so this test needs
the network and takes a while.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_try_repo_passes_good_and_fails_bad(hook_repo: Path, tmp_path: Path):
    home = tmp_path / "pre-commit-home"
    user = tmp_path / "user"
    user.mkdir()
    shutil.copyfile(SEEDS / "004_75bce7c82fd61a67.sse", user / "good.sse")
    # Not a transcript: the hook's default `files` must leave it alone.
    (user / "package.json").write_text('{"name": "demo"}\n')
    commit_all(user)

    good = try_repo(hook_repo, user, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    shutil.copyfile(SEEDS / "000_e3213cea1afb5a14.sse", user / "bad.sse")
    git("add", "bad.sse", cwd=user)
    bad = try_repo(hook_repo, user, home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "bad.sse:20:" in bad.stdout and " RSP002 error: " in bad.stdout
    assert "good.sse:" not in bad.stdout
    assert "package.json" not in bad.stdout
