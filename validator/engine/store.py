"""One file's findings kept off the heap, so that a million findings do not take a million objects.

The command line checks with ``spill``: each stream's findings go into a :class:`FindingStore`
as the engine stamps them. Up to :data:`SPILL` of them stay in a list (the usual case, as fast
as before); past that, each is pickled to an anonymous temporary file as it is found and only
its byte offset is kept (8 bytes). :meth:`FindingStore.finish` puts them in report order (by
position) and groups identical schema findings (:func:`~validator.engine.stream.group_repeats`)
without loading them: the order is a permutation of record numbers, the grouped repeats a
bitmap. Iterating reads them back one at a time; the store is a read-only sequence, which is
what reporters, baselines and exit codes need of ``FileResult.findings``.

A group of repeats keeps its members' record numbers (8 bytes each), not their locations: the
grouped finding's ``related`` is a :class:`StoredLocations` that reads them back when a reporter
asks, so a million identical findings cost 8 MB, not a list of a million locations.

A ``-j`` worker (:func:`spill_into`) spills into a named file in a folder its parent owns and
hands the parent the store's index (:meth:`FindingStore.handoff`), not its findings; the parent
reopens the file (:meth:`FindingStore.adopt`) and reads it as it reads its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, overload

from validator.catalog import RULES
from validator.model.findings import Finding, Location, Severity

if TYPE_CHECKING:
    from array import array

__all__ = ["SPILL", "FindingStore", "StoredLocations", "spill_into", "with_repeats"]

#: Findings kept in memory before the store moves them to a temporary file.
SPILL = 10_000
#: Rule id -> its rank in id order: the third part of the sort key, as one small integer
#: (filled when a store first spills, like the modules below).
_RANK: dict[str, int] = {}
_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_SEVERITY = {s.value: s for s in Severity}
#: Slots a group table starts with, and keys of matched heads remembered (see :class:`_Heads`).
_HEADS = 1 << 10
_KNOWN = 4096
#: Records read at once when reading in file order.
_BATCH = 1 << 20
#: Where stores spill to named files (a ``-j`` worker's, handed to its parent), or None:
#: anonymous temporary files, gone when closed.
_DIRECTORY: str | None = None


def spill_into(directory: str | None, threshold: int | None = None) -> None:
    """Spill this process's stores into named files in ``directory`` (which its creator removes,
    with whatever is left in it), so that they can be handed to another process; past
    ``threshold`` findings (the creator's :data:`SPILL`, whatever way the process was started)."""
    global _DIRECTORY, SPILL
    _DIRECTORY = directory
    if threshold is not None:
        SPILL = threshold


# pickle, tempfile (which imports shutil, bz2 and lzma) and array are loaded when a store first
# spills, not at every command's start-up.
_dumps: Any = None
_loads: Any = None
_array: Any = None


def _record(f: Finding) -> bytes:
    return _dumps(
        (
            f.rule,
            f.name,
            f.severity.value,
            f.message,
            f.path,
            f.line,
            f.column,
            f.offset,
            f.event_index,
            f.sequence_number,
            f.event_type,
            f.pointer,
            f.details,
            f.related,
        ),
        5,
    )


def group_key(f: Finding) -> tuple[object, ...] | None:
    """What identical schema findings share, by which repeats are grouped (in memory by
    :func:`~validator.engine.stream.group_repeats`, in a spilled store by ``finish``); None for a
    finding that is never grouped: all but schema findings (layer 1: the hundreds digit of every
    protocol's ids) about an event."""
    if f.rule[-3] != "1" or f.event_index is None:
        return None
    return (f.rule, f.severity, f.message, f.pointer, f.event_type, f.details)


def _finding(data: bytes | memoryview) -> Finding:
    t = _loads(data)
    return Finding(t[0], t[1], _SEVERITY[t[2]], *t[3:])


class FindingStore:
    """The findings of one stream, in a list or, past ``spill`` of them, in a temporary file.

    Fill it with :meth:`append`, then call :meth:`finish` once; afterwards it is a read-only
    sequence of :class:`Finding` in report order, with ``counts`` by severity.
    """

    def __init__(self, spill: int | None = None) -> None:
        self._spill = SPILL if spill is None else spill
        #: The findings while they fit (and, once finished, the result when they never spilled).
        self._list: list[Finding] | None = []
        self._file: IO[bytes] | None = None
        #: Byte offset of each record, and the end of the last.
        self._offsets: Any = None
        self._end = 0
        #: Appended in report order so far (then no permutation is needed).
        self._in_order = True
        self._last: tuple[int, int, int] = (-1, -1, -1)
        #: Report order: record numbers (None: the records' own order).
        self._order: array[int] | None = None
        #: 1 for the records that are grouped repeats (left out).
        self._skip: bytearray | None = None
        #: A group's first record -> its repeats' record numbers, in report order.
        self._groups: dict[int, array[int]] = {}
        #: The spill file's name while it has one (a worker's, or adopted where an open file
        #: cannot be unlinked).
        self._path: str | None = None
        self._len = 0
        self.finished = False
        self.counts: dict[Severity, int] = dict.fromkeys(Severity, 0)

    # ------------------------------------------------------------------ filling
    def append(self, f: Finding) -> None:
        if self._list is not None:
            self._list.append(f)
            if len(self._list) > self._spill:
                self._start_spilling()
            return
        self._write(f)

    def _start_spilling(self) -> None:
        global _dumps, _loads, _array
        import pickle
        import tempfile
        from array import array

        _dumps, _loads, _array = pickle.dumps, pickle.loads, array
        if not _RANK:
            _RANK.update((rule_id, rank) for rank, rule_id in enumerate(sorted(RULES)))
        self._offsets = array("q")
        held, self._list = self._list or [], None
        if _DIRECTORY is None:
            self._file = tempfile.TemporaryFile(prefix="findings-")  # noqa: SIM115 (closed by close())
        else:
            fd, self._path = tempfile.mkstemp(prefix="findings-", dir=_DIRECTORY)
            self._file = os.fdopen(fd, "w+b")
        for f in held:
            self._write(f)

    def _write(self, f: Finding) -> None:
        key = (f.offset, f.line, _RANK.get(f.rule, -1))
        if key < self._last:
            self._in_order = False
        self._last = key
        data = _record(f)
        assert self._file is not None
        self._file.write(data)
        self._offsets.append(self._end)
        self._end += len(data)

    # ------------------------------------------------------------------ finishing
    def finish(self, group: Callable[[list[Finding]], list[Finding]]) -> FindingStore:
        """Sort into report order and group repeats (``group``: what does it to a list)."""
        if self.finished:
            return self
        self.finished = True
        if self._list is not None:
            self._list.sort(key=Finding.sort_key)
            self._list = group(self._list)
            self._len = len(self._list)
            for f in self._list:
                self.counts[f.severity] += 1
            return self
        assert self._file is not None
        self._file.flush()
        self._offsets.append(self._end)
        if not self._in_order:
            self._order = self._sorted_order()
        self._group()
        return self

    def _sorted_order(self) -> array[int]:
        """Record numbers in report order: by (offset, line, rule), ties in the order found
        (as a stable sort of the findings gives), from one integer per record."""
        keys = []
        for n, f in enumerate(self._records(None)):
            keys.append((((f.offset << 40) | f.line) << 12 | (_RANK.get(f.rule, 4095) & 4095)) << 32 | n)
        keys.sort()
        mask = (1 << 32) - 1
        order = _array("q", (k & mask for k in keys))
        return order

    def _group(self) -> None:
        """:func:`group_repeats` on the stored findings: repeats marked, each group's members
        listed by record number under its first, the counts taken."""
        skip = bytearray(len(self._offsets) - 1)
        # A million distinct schema findings (a value in each message) would be a million keys
        # in a dict, over 500 MB: heads are found by hash, their keys read back when one matches.
        heads = _Heads(self._head_key)
        groups = self._groups
        counts = self.counts
        for n, f in zip(self._numbers(), self._records(self._order), strict=True):
            key = group_key(f)
            if key is not None:
                at = heads.first(key, n)
                if at is not None:
                    skip[n] = 1
                    members = groups.get(at)
                    if members is None:
                        members = groups[at] = _array("q")
                    members.append(n)
                    continue
            counts[f.severity] += 1
        self._skip = skip
        self._len = sum(counts.values())

    def _head_key(self, n: int) -> tuple[object, ...]:
        """The group key of record ``n``, the first of a group (so it has one)."""
        key = group_key(self._read(n))
        assert key is not None
        return key

    # ------------------------------------------------------------------ reading
    def _numbers(self) -> Iterator[int]:
        return iter(self._order) if self._order is not None else iter(range(len(self._offsets) - 1))

    def _read(self, n: int) -> Finding:
        assert self._file is not None
        start = self._offsets[n]
        return _finding(os.pread(self._file.fileno(), self._offsets[n + 1] - start, start))

    def _records(self, order: array[int] | None) -> Iterator[Finding]:
        """Every record (grouped repeats too), in ``order`` or as stored."""
        if order is not None:
            read = self._read
            for n in order:
                yield read(n)
            return
        assert self._file is not None
        fd = self._file.fileno()
        offsets = self._offsets
        count = len(offsets) - 1
        n = 0
        while n < count:
            # Whole records, about _BATCH bytes at a time.
            start = offsets[n]
            stop = n + 1
            while stop < count and offsets[stop + 1] - start <= _BATCH:
                stop += 1
            block = memoryview(os.pread(fd, offsets[stop] - start, start))
            for i in range(n, stop):
                yield _finding(block[offsets[i] - start : offsets[i + 1] - start])
            n = stop

    def __iter__(self) -> Iterator[Finding]:
        if not self.finished:
            raise RuntimeError("FindingStore read before finish()")
        if self._list is not None:
            yield from self._list
            return
        skip = self._skip
        groups = self._groups
        assert skip is not None
        for n, f in zip(self._numbers(), self._records(self._order), strict=True):
            if skip[n]:
                continue
            members = groups.get(n)
            yield f if members is None else with_repeats(f, StoredLocations(self, members))

    @property
    def spilled(self) -> bool:
        """Whether the findings are in a file (past ``spill`` of them), not in a list."""
        return self._list is None

    def __len__(self) -> int:
        if self.finished:
            return self._len
        return len(self._list) if self._list is not None else len(self._offsets)

    def __bool__(self) -> bool:
        return len(self) > 0

    @overload
    def __getitem__(self, index: int) -> Finding: ...
    @overload
    def __getitem__(self, index: slice) -> list[Finding]: ...
    def __getitem__(self, index: int | slice) -> Finding | list[Finding]:
        if self._list is not None:
            return self._list[index]
        # Rare on a spilled store (the proxy's console shows the first few): read them out.
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (FindingStore, list)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = "spilled to a temporary file" if self.spilled else "in memory"
        return f"<FindingStore: {len(self)} findings, {where}>"

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._path is not None and self.adopted:
            with contextlib.suppress(OSError):
                os.unlink(self._path)
            self._path = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (not handed off), a store travels as its findings.
        return (list, (list(self),))

    # ------------------------------------------------------------------ handing over
    #: Set on a store another process filled (:meth:`adopt`): its file is this one's to remove.
    adopted = False

    def handoff(self) -> tuple[Any, ...] | None:
        """This finished store as plain values for another process to :meth:`adopt`: where its
        file is and its index (about 17 bytes a finding). None unless it spilled to a named file
        (see :func:`spill_into`); the store is closed, its file left for the adopter."""
        if not self.finished or self._path is None or self._file is None:
            return None
        self._file.flush()
        state = (
            self._path,
            self._offsets,
            self._order,
            self._skip,
            self._groups,
            self._len,
            {s.value: n for s, n in self.counts.items()},
        )
        self._file.close()
        self._file = None
        return state

    @classmethod
    def adopt(cls, state: tuple[Any, ...]) -> FindingStore:
        """The store :meth:`handoff` described, read from its file (which is now this one's)."""
        global _loads, _array
        import pickle
        from array import array

        _loads, _array = pickle.loads, array
        path, offsets, order, skip, groups, length, counts = state
        store = cls()
        store._list = None
        store._file = open(path, "rb")  # noqa: SIM115 (closed by close())
        store.adopted = True
        try:
            os.unlink(path)  # gone with its last descriptor, whatever happens next
        except OSError:  # (where an open file cannot be removed: at close())
            store._path = path
        store._offsets, store._order, store._skip, store._groups = offsets, order, skip, groups
        store._end = offsets[-1]
        store._len = length
        store.counts = {_SEVERITY[s]: n for s, n in counts.items()}
        store.finished = True
        return store


class _Heads:
    """Each group's first record, found by its key's 64-bit hash (:class:`HashSlots`: 32 bytes a
    distinct key at most), a candidate's key read back from the store to tell keys with the same
    hash apart."""

    __slots__ = ("_key_of", "_known", "_table")

    def __init__(self, key_of: Callable[[int], tuple[object, ...]]) -> None:
        from validator.model.hashslots import HashSlots

        self._table = HashSlots(_HEADS)
        self._key_of = key_of
        #: Keys of recently matched firsts (a group's repeats are usually near one another).
        self._known: dict[int, tuple[object, ...]] = {}

    def first(self, key: tuple[object, ...], n: int) -> int | None:
        """The record that first had ``key``; None (and ``n`` noted as its first) if none did."""
        h = hash(key) or 1  # 0 marks an empty slot
        table = self._table
        i = table.slot(h, lambda m: self._key(m) == key)
        if table.hashes[i]:
            return table.values[i]
        table.put(i, h, n)
        return None

    def _key(self, m: int) -> tuple[object, ...]:
        known = self._known.get(m)
        if known is None:
            if len(self._known) >= _KNOWN:
                self._known.clear()
            known = self._known[m] = self._key_of(m)
        return known


class StoredLocations(Sequence[Location]):
    """Where a group's repeats are (a grouped finding's ``related``), read from the store that
    holds them each time they are asked for: 8 bytes a repeat in memory."""

    __slots__ = ("_numbers", "_store")

    def __init__(self, store: FindingStore, numbers: array[int]) -> None:
        self._store = store
        self._numbers = numbers

    def _at(self, n: int) -> Location:
        f = self._store._read(n)
        return Location(f.line, f.column, f.offset, f.event_index, f.sequence_number)

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> Location: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Location, ...]: ...
    def __getitem__(self, index: int | slice) -> Location | tuple[Location, ...]:
        if isinstance(index, slice):
            return tuple(self._at(n) for n in self._numbers[index])
        return self._at(self._numbers[index])

    def __iter__(self) -> Iterator[Location]:
        at = self._at
        for n in self._numbers:
            yield at(n)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (StoredLocations, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<StoredLocations: {len(self)} places>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))


#: Repeats listed by line in a grouped finding's text; every one is in ``Finding.related``.
_SHOWN_REPEATS = 10


def with_repeats(f: Finding, more: Sequence[Location]) -> Finding:
    """``f`` as the first of a group: a line naming the later events, and their locations
    (``more`` kept as it is when it is a :class:`StoredLocations`, else as a tuple)."""
    lines = ", ".join(str(r.line) for r in more[:_SHOWN_REPEATS])
    if len(more) > _SHOWN_REPEATS:
        lines += ", …"
    return dataclasses.replace(
        f,
        details=(f"the same on {len(more)} later event{'s' * (len(more) > 1)}: line {lines}", *f.details),
        related=more if isinstance(more, StoredLocations) else tuple(more),
    )
