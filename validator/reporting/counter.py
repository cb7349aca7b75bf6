"""Counting occurrences of a million distinct keys in a few tens of MB.

SARIF fingerprints and JUnit test names say which occurrence of its key a finding is. A run
with a million findings whose messages all differ (a sequence gap on every event) would hold a
million keys in a ``Counter``: a few hundred MB. :class:`OccurrenceCounter` keeps each key's
64-bit hash and count in two arrays (open addressing, linear probing): 16 bytes a slot, at most
half of them used.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable

__all__ = ["OccurrenceCounter"]

_START = 1 << 10


class OccurrenceCounter:
    """``add(key)`` returns how many times ``key`` has been added, this time included.

    Keys are told apart by their hash (Python's 64-bit ``hash``, stable within a process). Two
    distinct keys with the same 64-bit hash would share a count; among a million keys the
    chance of that is about one in thirty million.
    """

    __slots__ = ("_counts", "_hashes", "_mask", "_used")

    def __init__(self) -> None:
        self._hashes = array("q", bytes(8 * _START))
        self._counts = array("q", bytes(8 * _START))
        self._mask = _START - 1
        self._used = 0

    def add(self, key: Hashable) -> int:
        h = hash(key) or 1  # 0 marks an empty slot
        hashes = self._hashes
        mask = self._mask
        i = h & mask
        while True:
            found = hashes[i]
            if found == h:
                self._counts[i] += 1
                return self._counts[i]
            if found == 0:
                hashes[i] = h
                self._counts[i] = 1
                self._used += 1
                if 2 * self._used > mask:
                    self._grow()
                return 1
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = zip(self._hashes, self._counts, strict=True)
        size = 2 * (self._mask + 1)
        self._hashes = hashes = array("q", bytes(8 * size))
        self._counts = counts = array("q", bytes(8 * size))
        self._mask = mask = size - 1
        for h, n in old:
            if h:
                i = h & mask
                while hashes[i]:
                    i = (i + 1) & mask
                hashes[i] = h
                counts[i] = n
