"""The terminal response's output against the streamed items (RSP304, RSP305; RULES.md D13).

Each closed item is kept as a digest of its output_item.done (plus the item itself while it
is small, to say *where* the final output differs), without the fields the two snapshots
may legitimately disagree on (:attr:`.families.ItemSpec.volatile`). A kept item is
its compact JSON text, not its objects (a third of the memory), decoded again only when the
final output differs from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson

from validator.model.findings import Issue, covered
from validator.model.values import str_or_none
from validator.protocols.responses.families import ItemSpec
from validator.protocols.responses.records import ItemDigest, ItemRecord, Kept

__all__ = [
    "ItemDigest",
    "Kept",
    "differences",
    "digest_of",
    "first_difference",
    "item_digest",
    "kept_item",
    "normalize",
    "output_issues",
    "same_item",
]

#: Findings at output_item.done that already explain a difference in the terminal output.
_SHOWN_AT_DONE = frozenset({"RSP225", "RSP303"})


#: Done items larger than this are kept as a digest only.
_KEEP_ITEM_BYTES = 64 * 1024


def kept_item(kept: Kept) -> Any:
    """The normalized item a :class:`ItemDigest` kept."""
    return orjson.loads(kept) if isinstance(kept, bytes) else kept


def _without(value: Any, path: tuple[str, ...]) -> Any:
    """``value`` without the field at ``path``, copying only along the path."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "*":
        return [_without(v, rest) for v in value] if isinstance(value, list) else value
    if not isinstance(value, dict) or head not in value:
        return value
    if not rest:
        copy = dict(value)  # (a C-level copy: a comprehension costs a bytecode loop per key)
        del copy[head]
        return copy
    return {**value, head: _without(value[head], rest)}


def normalize(item: dict[str, Any], spec: ItemSpec) -> dict[str, Any]:
    """The item without the fields the two snapshots may legitimately disagree on."""
    for path in spec.volatile:
        item = _without(item, path)
    return item


def _dump(item: Any) -> tuple[bytes, bool]:
    """The text the digest is taken of, and whether it is the item's JSON text."""
    try:
        return orjson.dumps(item, option=orjson.OPT_SORT_KEYS), True
    except (orjson.JSONEncodeError, TypeError):
        # Integers beyond 64 bits: fall back to a slower but total encoding.
        return repr(item).encode(), False


def item_digest(item: dict[str, Any], spec: ItemSpec) -> ItemDigest:
    norm = normalize(item, spec)
    raw, is_json = _dump(norm)
    digest = hashlib.blake2b(raw, digest_size=16).digest()
    kept: Kept | None = None
    if len(raw) <= _KEEP_ITEM_BYTES:
        # A copy: orjson's bytes keep the whole capacity of its output buffer (5 KB for 500 bytes).
        kept = bytes(memoryview(raw)) if is_json else norm
    return ItemDigest(digest, kept, len(raw))


def digest_of(item: dict[str, Any], spec: ItemSpec) -> bytes:
    return hashlib.blake2b(_dump(normalize(item, spec))[0], digest_size=16).digest()


def same_item(kept: ItemDigest, item: dict[str, Any], spec: ItemSpec) -> bool:
    return digest_of(item, spec) == kept.digest


def differences(a: Any, b: Any, path: str = "") -> Iterator[str]:
    """JSON pointers of the places where two JSON values differ, in document order (keys sorted)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}/{key}"
            else:
                yield from differences(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from differences(x, y, f"{path}/{i}")
        if len(a) != len(b):
            yield f"{path}/{min(len(a), len(b))}"
    elif not (a == b and type(a) is type(b)):
        yield path or "/"


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """JSON pointer of the first place where two JSON values differ ('' when equal)."""
    return next(differences(a, b, path), "")


def output_issues(streamed: list[ItemRecord], output: list[Any], slips: tuple[str, ...] = ()) -> list[Issue]:
    """RSP305 (which items) and RSP304 (each item): response.output against the items.

    ``slips`` are the terminal event's schema errors: a difference where the terminal item or
    the done item failed its schema is that defect; the first difference elsewhere is reported.
    """
    issues: list[Issue] = []
    # The done item's id, unless it was reported as differing from the added one (RSP225).
    ids = [i.id if "RSP225" in i.reported else (i.final_id or i.id) for i in streamed]
    out_ids = [str_or_none(o.get("id")) if isinstance(o, dict) else None for o in output]
    if len(output) != len(streamed) or any(a and b and a != b for a, b in zip(ids, out_ids, strict=False)):
        issues.append(
            Issue(
                "RSP305",
                f"response.output has {len(output)} items {out_ids}, the stream added {len(streamed)} {ids}",
                pointer="/response/output",
            )
        )
        by_id = {oid: k for k, oid in enumerate(out_ids) if oid}
        pairs = [(by_id[oid], i) for oid, i in zip(ids, streamed, strict=True) if oid in by_id]
    else:
        pairs = list(enumerate(streamed))
    for k, item in pairs:
        final = output[k]
        if (
            item.digest is None
            or item.tainted
            or item.reported & _SHOWN_AT_DONE
            or not isinstance(final, dict)
        ):
            continue
        if digest_of(final, item.spec) == item.digest:
            continue
        kept = kept_item(item.kept) if item.kept is not None else None
        if kept is None:
            # Not kept (too large): where it differs is unknown, so a schema slip may explain it.
            if item.slips or covered(f"/response/output/{k}", slips):
                continue
            where = ""
        else:
            where = next(
                (
                    d
                    for d in differences(kept, normalize(final, item.spec))
                    if not covered(d, item.slips) and not covered(f"/response/output/{k}{d}", slips)
                ),
                "",
            )
            if not where:
                continue
        issues.append(
            Issue(
                "RSP304",
                f"response.output[{k}] ({item.label()}) differs from its output_item.done"
                + (f" at {where}" if where else ""),
                pointer=f"/response/output/{k}{where}",
            )
        )
    return issues
