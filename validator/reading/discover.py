"""Which files to check: the paths given, with directories walked for transcripts.

Walking is sorted, so every run sees the same order. A file found by walking is checked when its
name matches ``include`` and, with the default ``include``, when its first bytes look like a
transcript or a container (:func:`looks_like_transcript`) when its suffix is one ordinary files
use too (``.json``, ``.txt``, ``.yaml``, ``.yml``): ``check .`` in a project skips its
``package.json``, ``requirements.txt`` and notes. A file named on the command line is always
checked, unless ``exclude`` matches it.

What walking cannot read is not skipped silently: a directory that cannot be listed is an error
(the run exits 2 naming it, as ruff does), and a FIFO, socket or device met while walking is
skipped with a note (reading one could block forever); named explicitly, it is read.

Glob rules: a pattern without ``/`` matches a file or directory *name* (so ``fixtures`` prunes
every directory of that name); a pattern with ``/`` matches the end of the path
(``recorded/*.json``).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from validator.reading.reader import sniff_container

__all__ = [
    "DEFAULT_EXCLUDE",
    "DEFAULT_INCLUDE",
    "STDIN",
    "Discovery",
    "PathError",
    "collect",
    "looks_like_transcript",
]

#: Transcripts (SSE, JSON Lines, a JSON array; ``.txt`` for saved bodies) and the containers
#: streams are recorded in: VCR cassettes and HAR files.
DEFAULT_INCLUDE = ("*.sse", "*.jsonl", "*.ndjson", "*.json", "*.txt", "*.yaml", "*.yml", "*.har")
#: Always skipped while walking: tool and VCS directories, and the corpus's
#: expected-findings sidecars (``*.expected.json``), which are not transcripts.
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "*.expected.json",
)
STDIN = "-"
#: Suffixes ordinary project files share with transcripts: only these get the content look
#: (a ``.sse``, ``.jsonl`` or ``.har`` file is a transcript even when empty or broken).
_GENERIC = ("*.json", "*.txt", "*.yaml", "*.yml")
#: How much of a file the content look reads.
_HEAD = 4096
#: An SSE field line (or comment) opening a stream: ``data:``, ``event:``, ``id:``, ``retry:``, ``:``.
_SSE_START = re.compile(rb"(?:data|event|id|retry)(?::|\r|\n|$)|:")
#: The first member names a stream event or chunk carries (``type``; Chat's ``object``/``id``).
_EVENT_KEY = re.compile(rb'\s*\{\s*"(?:type|object|id|event|sequence_number|choices)"\s*:')
_WS = b" \t\r\n"


class PathError(Exception):
    """A path on the command line does not exist, or a directory holds no transcripts."""


@dataclass
class Discovery:
    """The files to check, in order, each once; what walking could not read; what it skipped."""

    files: list[str] = field(default_factory=list)
    #: (path, message): directories that could not be listed. The run fails (exit 2).
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: (path, why): special files met while walking, worth a note.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _matches(parts: Sequence[str], patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if "/" in pattern:
            pattern = pattern.strip("/")
            if any(fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts))):
                return True
        elif any(fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def looks_like_transcript(head: bytes) -> bool:
    """Do these first bytes of a file start an event stream (SSE, JSON Lines, a JSON array of
    events) or a container (cassette, HAR)? A look, not a check: the check says what is wrong."""
    body = head.lstrip(b"\xef\xbb\xbf" + _WS)
    if not body:
        return False
    if sniff_container(body) is not None:
        return True
    first = body[:1]
    if first == b"[":
        rest = body[1:].lstrip(_WS)
        return rest[:1] == b"]" or _EVENT_KEY.match(rest) is not None
    if first == b"{":
        return _EVENT_KEY.match(body) is not None
    return _SSE_START.match(body) is not None


def _special(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _head(path: str) -> bytes | None:
    """The first bytes of a regular file; None when it cannot be read (the check will say why)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(_HEAD)
    except OSError:
        return None


def _walk(root: Path, include: Sequence[str], exclude: Sequence[str], look: bool, out: Discovery) -> int:
    """Add what ``root`` holds to ``out``; how many files it added."""
    added = 0

    def unreadable(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else str(root)
        out.errors.append((os.fsdecode(where), f"cannot read directory: {exc.strerror or exc}"))

    for directory, dirnames, filenames in os.walk(root, onerror=unreadable):
        rel = Path(directory).relative_to(root).parts
        # Pruning in place keeps os.walk out of excluded trees (a .venv can be huge).
        dirnames[:] = sorted(d for d in dirnames if not _matches((*rel, d), exclude))
        for name in sorted(filenames):
            if not _matches((name,), include) or _matches((*rel, name), exclude):
                continue
            path = os.path.join(directory, name)
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = stat.S_IFREG  # a dangling link, say: the check reports why it cannot read it
            special = _special(mode)
            if special is not None:
                out.skipped.append((path, f"not a regular file ({special}); name it to read it"))
                continue
            if look and _matches((name,), _GENERIC):
                head = _head(path)
                if head is not None and not looks_like_transcript(head):
                    continue
            out.files.append(path)
            added += 1
    return added


def collect(
    paths: Iterable[str],
    include: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> Discovery:
    """The transcripts to check, in order, each once, and what walking could not read.

    Raises :class:`PathError` for a path that does not exist and for a directory in which
    nothing is a transcript.
    """
    look = not include  # a user's own --include says which files are transcripts
    include = tuple(include) if include else DEFAULT_INCLUDE
    walk_exclude = (*DEFAULT_EXCLUDE, *exclude)
    out = Discovery()
    for path in paths:
        if path == STDIN:
            out.files.append(STDIN)
            continue
        p = Path(path)
        if p.is_dir():
            errors = len(out.errors)
            if not _walk(p, include, walk_exclude, look, out) and len(out.errors) == errors:
                raise PathError(
                    f"{path}: no transcripts found in this directory (looked for {', '.join(include)})"
                )
        elif p.exists():
            if not _matches(p.parts, exclude):
                out.files.append(path)
        elif p.is_symlink():
            raise PathError(f"{path}: a symbolic link that leads nowhere (dangling, or a loop)")
        else:
            raise PathError(f"{path}: no such file or directory")
    out.files = list(dict.fromkeys(out.files))
    return out
