"""One output item's state: :class:`Item` while it is open, :class:`ItemRecord` once closed.

:class:`validator.protocols.responses.items.ItemTracker` drives them; a closed item that needs nothing else is
replaced by its compact :class:`ItemRecord` (``ItemTracker._compact``), so that tens of
thousands of closed items cost little until the terminal event.
"""

from __future__ import annotations

from typing import Any

from validator.model.findings import EventRef, Position
from validator.model.values import str_or_none
from validator.protocols.responses.consistency import Finals, TextStream
from validator.protocols.responses.families import ITEMS, UNKNOWN_ITEM, ItemSpec, TextFamily

__all__ = ["NOTHING_REPORTED", "Item", "ItemDigest", "ItemRecord", "Kept", "Part"]

#: What a closed item with no finding shares instead of an empty set of its own (216 bytes each,
#: tens of thousands of items): :meth:`EventContext.emit_for` replaces it on the first finding.
NOTHING_REPORTED: frozenset[str] = frozenset()

#: A kept item: its JSON text (sorted keys), or the item itself when it has no JSON text
#: (an integer past 64 bits).
Kept = bytes | dict[str, Any]


class ItemDigest:
    """A closed item as the terminal comparison needs it: a hash, and the item while small."""

    __slots__ = ("digest", "item", "size")

    def __init__(self, digest: bytes, item: Kept | None, size: int) -> None:
        self.digest = digest
        self.item = item
        self.size = size


class Part:
    """One content part, summary part or shell command of an open item."""

    __slots__ = ("annotations", "index", "kind", "open", "phantom", "ref", "reported", "stream", "type")

    def __init__(
        self, kind: str, index: int, type_: str | None, ref: EventRef, phantom: bool = False
    ) -> None:
        self.kind = kind
        self.index = index
        self.type = type_
        self.ref = ref
        self.phantom = phantom
        self.open = True
        self.stream: TextStream | None = None
        self.reported: set[str] = set()
        #: annotation_index -> annotation, announced by output_text.annotation.added.
        self.annotations: dict[int, Any] = {}

    def label(self) -> str:
        return f"{self.kind} part {self.index}"


#: What a closed item holds instead of its own part and text tables: they are never read or
#: written once it is closed (every part and text event stops at ItemTracker.usable).
_NO_PARTS: dict[tuple[str, int], Part] = {}
_NO_NEXT_PART: dict[str, int] = {}
_NO_STREAMS: dict[tuple[str, int | None], TextStream] = {}
_NO_FINALS: dict[tuple[str, int | None], tuple[TextFamily, Finals]] = {}
#: A closed item's reference to its added event: only an open item's is ever shown (RSP228).
_CLOSED_REF = EventRef(-1, Position(0, 0, 0))
#: Each known item type's name as one string: tens of thousands of items keep their type until
#: the terminal event, and the string decoded from each added event would be a copy (56 bytes).
_TYPE_NAMES = {name: name for name in ITEMS}


class ItemRecord:
    """What a closed item is known by: identity, flags, the digest of its output_item.done.

    Tens of thousands of closed items stay until the terminal event, so a closed item that needs
    nothing else (:meth:`ItemTracker._compact`) is replaced by one of these: 96 bytes instead of
    the 216 of an :class:`Item` and its 23 slots. What only an open item has reads here as the
    value every closed record has (class attributes, never written on a record: the code that
    writes them only reaches open items). :class:`Item` extends it with the open state.
    """

    __slots__ = ("digest", "final_id", "id", "index", "kept", "reported", "slips", "tainted", "type")

    open = False
    abandoned = False
    phantom = False
    silent = False
    misplaced: int | None = None

    index: int | None
    id: str | None
    type: str | None
    #: The id in output_item.done (what the terminal output should carry).
    final_id: str | None
    #: Hash of the normalized output_item.done (:func:`validator.protocols.responses.output.digest_of`).
    digest: bytes | None
    #: The normalized done item while the memory budget allows (for a precise RSP304 pointer).
    kept: Kept | None
    reported: set[str] | frozenset[str]
    tainted: bool
    #: Where output_item.done's item failed its schema (pointers into the item): a difference of
    #: the terminal output at such a place is that defect, not another (RSP304).
    slips: tuple[str, ...]

    @classmethod
    def of(cls, item: Item) -> ItemRecord:
        record = cls.__new__(cls)
        record.index = item.index
        record.id = item.id
        record.type = item.type
        record.final_id = item.final_id
        record.digest = item.digest
        record.kept = item.kept
        record.reported = item.reported
        record.tainted = item.tainted
        record.slips = item.slips
        return record

    @property
    def spec(self) -> ItemSpec:
        # What Item.identify sets along with the type.
        return ITEMS.get(self.type or "", UNKNOWN_ITEM)

    @property
    def unknown(self) -> bool:
        """Referred to but never added, and reported as such (RSP220)."""
        return self.phantom and not self.silent

    def label(self) -> str:
        what = self.type or "item"
        return f"{what} {self.id}" if self.id else f"{what} at output_index {self.index}"

    def mark(self, rule: str) -> None:
        """Record a rule reported for this item without going through emit_for."""
        if type(self.reported) is not set:
            self.reported = set()
        self.reported.add(rule)  # type: ignore[union-attr]


class Item(ItemRecord):
    """One output item, from its output_item.added (or first reference) to its done."""

    __slots__ = (
        "abandoned",
        "adopted",
        "call_id",
        "finals",
        "misplaced",
        "name",
        "next_part",
        "open",
        "partial_images",
        "parts",
        "phantom",
        "ref",
        "silent",
        "spec",
        "status",
        "streams",
    )

    def __init__(self, index: int | None, item: Any, ref: EventRef, phantom: bool = False) -> None:
        self.index = index
        self.ref = ref
        self.phantom = phantom
        #: Was a phantom until its late output_item.added: it may be registered under two ids.
        self.adopted = False
        #: Opened without a finding (fragment or resumed stream: its added came earlier).
        self.silent = False
        self.open = True
        #: Left open at the terminal event or end of stream (already reported).
        self.abandoned = False
        self.id = None
        self.type = None
        self.call_id: str | None = None
        self.name: str | None = None
        self.final_id = None
        #: The index the item should have had, when it was added under another (RSP221).
        self.misplaced: int | None = None
        self.spec: ItemSpec = UNKNOWN_ITEM
        self.identify(item)
        self.parts: dict[tuple[str, int], Part] = {}
        self.next_part: dict[str, int] = {}
        self.streams: dict[tuple[str, int | None], TextStream] = {}
        #: Final texts of closed parts and streams, for the output_item.done comparison.
        self.finals: dict[tuple[str, int | None], tuple[TextFamily, Finals]] = {}
        self.status: tuple[int, str] | None = None
        self.partial_images = 0
        self.reported = set()
        self.tainted = False
        self.slips = ()
        self.digest = None
        self.kept = None

    def identify(self, item: Any) -> None:
        if not isinstance(item, dict):
            return
        self.id = str_or_none(item.get("id")) or self.id
        item_type = str_or_none(item.get("type"))
        self.type = _TYPE_NAMES.get(item_type, item_type) if item_type else self.type
        self.call_id = str_or_none(item.get("call_id")) or self.call_id
        self.name = str_or_none(item.get("name")) or self.name
        self.spec = ITEMS.get(self.type or "", UNKNOWN_ITEM)

    def close(self) -> None:
        # A closed item keeps only what later checks need: identity, flags and the digest. Most
        # are then replaced by an ItemRecord (ItemTracker._compact); the others (phantoms,
        # misplaced or abandoned items, rare) stay, so everything else goes, down to empty
        # containers (shared instead) and strings the done event repeats.
        self.open = False
        self.parts = _NO_PARTS
        self.next_part = _NO_NEXT_PART
        self.streams = _NO_STREAMS
        self.finals = _NO_FINALS
        self.ref = _CLOSED_REF
        self.call_id = self.name = None
        self.status = None
        if not self.reported:
            self.reported = NOTHING_REPORTED
