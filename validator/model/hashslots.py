"""A table from 64-bit hashes to 64-bit values in two flat arrays, for counting or finding among a
million keys in a few tens of MB (a ``dict`` of a million tuple keys is several hundred MB).

Open addressing with linear probing, at most half full: 32 bytes a key at most. The table holds
no keys: a caller that must tell apart keys with the same hash passes ``same``, which decides
from a slot's value (a record number whose key it can read back, say).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

__all__ = ["HashSlots"]


class HashSlots:
    """``hashes[i]`` and ``values[i]`` of slot ``i``; a hash of 0 marks an empty slot, so callers
    map a key's hash of 0 to another (``hash(key) or 1``)."""

    __slots__ = ("_mask", "_used", "hashes", "values")

    def __init__(self, size: int = 1 << 10) -> None:
        if size & (size - 1):
            raise ValueError("the size is a power of two")
        self.hashes = array("q", bytes(8 * size))
        self.values = array("q", bytes(8 * size))
        self._mask = size - 1
        self._used = 0

    def slot(self, h: int, same: Callable[[int], bool] | None = None) -> int:
        """The slot holding ``h`` (with ``same``: one whose value it accepts), or the empty slot
        where ``h`` goes (``hashes[slot] == 0``; fill it with :meth:`put`)."""
        hashes, mask = self.hashes, self._mask
        i = h & mask
        while True:
            found = hashes[i]
            if found == 0 or (found == h and (same is None or same(self.values[i]))):
                return i
            i = (i + 1) & mask

    def put(self, slot: int, h: int, value: int) -> None:
        """Fill the empty ``slot`` that :meth:`slot` gave for ``h``."""
        self.hashes[slot] = h
        self.values[slot] = value
        self._used += 1
        if 2 * self._used > self._mask:
            self._grow()

    def _grow(self) -> None:
        old = zip(self.hashes, self.values, strict=True)
        size = 2 * (self._mask + 1)
        self.hashes = hashes = array("q", bytes(8 * size))
        self.values = values = array("q", bytes(8 * size))
        self._mask = mask = size - 1
        for h, v in old:
            if h:
                i = h & mask
                while hashes[i]:
                    i = (i + 1) & mask
                hashes[i] = h
                values[i] = v
