"""Counting occurrences of a million distinct keys in a few tens of MB.

SARIF fingerprints and JUnit test names say which occurrence of its key a finding is. A run
with a million findings whose messages all differ (a sequence gap on every event) would hold a
million keys in a ``Counter``: a few hundred MB. :class:`OccurrenceCounter` keeps each key's
64-bit hash and count in two arrays (open addressing, linear probing): 16 bytes a slot, at most
half of them used.
"""

from __future__ import annotations

from collections.abc import Hashable

from validator.model.hashslots import HashSlots

__all__ = ["OccurrenceCounter"]


class OccurrenceCounter:
    """``add(key)`` returns how many times ``key`` has been added, this time included.

    Keys are told apart by their hash (Python's 64-bit ``hash``, stable within a process). Two
    distinct keys with the same 64-bit hash would share a count; among a million keys the
    chance of that is about one in thirty million.
    """

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table = HashSlots()

    def add(self, key: Hashable) -> int:
        h = hash(key) or 1  # 0 marks an empty slot
        table = self._table
        i = table.slot(h)
        if table.hashes[i]:
            table.values[i] += 1
            return table.values[i]
        table.put(i, h, 1)
        return 1
