"""Writing generated files, or checking that the committed ones are current: for the generators.

Used by ``tools/gen_chat_schemas.py`` and ``tools/build_chat_streams.py``: each builds
``{path: bytes}`` and hands it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path


def sync(files: Mapping[Path, bytes], *, check: bool, root: Path, stale: Iterable[Path] = ()) -> int:
    """Write every file whose content differs (and remove ``stale`` ones), or with ``check`` only
    print what is out of date. Returns how many files differ (or would be written or removed)."""
    changed = 0
    for path, data in files.items():
        if path.is_file() and path.read_bytes() == data:
            continue
        changed += 1
        if check:
            print(f"out of date: {path.relative_to(root)}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in stale:
        changed += 1
        if check:
            print(f"stale: {path.relative_to(root)}")
        else:
            path.unlink()
    return changed
