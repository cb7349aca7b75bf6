"""Shared test helpers: where the project and the third-party captures are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
#: Third-party captures and the spec live outside the project (never copied in).
SHARED = Path(os.environ.get("RESPONSES_VALIDATOR_SHARED", ROOT.parent / "shared")).resolve()
SHARED_CORPUS = SHARED / "corpus"
SHARED_ANTHROPIC = SHARED / "corpus-anthropic"
#: Our sidecar folder for each shared corpus -> where its captures are.
CAPTURE_DIRS: dict[str, Path] = {"real": SHARED_CORPUS, "real-anthropic": SHARED_ANTHROPIC}
SEEDS = CORPUS / "seeds"

needs_shared = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(),
    reason=f"third-party captures not found at {SHARED_CORPUS} (set RESPONSES_VALIDATOR_SHARED)",
)
