"""The rule catalog: every finding the tool can emit, with a stable id.

Ids are a protocol's prefix (``RSP`` for Responses) plus three digits; the hundreds digit is
the layer (0 framing, 1 schema, 2 lifecycle, 3 consistency, 4 connection). An id is never
reused: a retired rule moves to ``RETIRED`` with the reason, a renamed one to ``REDIRECTS``.
Each protocol keeps its entries in a subpackage, one module per layer.

Each rule's bad and good example transcripts live in ``corpus/rules/<ID>/`` (shipped in the
wheel as ``validator/_rule_examples``) and run as tests.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from validator.catalog import anthropic, chat, responses
from validator.catalog.rule import Rule

__all__ = [
    "DEFAULT_PROTOCOL",
    "PROFILES",
    "PROFILE_DOCS",
    "PROTOCOL_PROFILES",
    "REDIRECTS",
    "RETIRED",
    "RULES",
    "Rule",
    "rule",
    "select_rules",
]

#: protocol name -> its profiles, the first being its default. The first protocol is the default
#: one (:data:`validator.protocols.DEFAULT`): a stream no protocol claims is checked as one of it.
PROTOCOL_PROFILES: dict[str, tuple[str, ...]] = {
    "responses": responses.PROFILES,
    "chat": chat.PROFILES,
    "anthropic": anthropic.PROFILES,
}
DEFAULT_PROTOCOL = next(iter(PROTOCOL_PROFILES))
#: profile -> what it accepts and why (``rules --profiles``).
PROFILE_DOCS: dict[str, str] = {**responses.PROFILE_DOCS, **chat.PROFILE_DOCS, **anthropic.PROFILE_DOCS}
#: Every profile name of every protocol.
PROFILES: tuple[str, ...] = tuple(p for profiles in PROTOCOL_PROFILES.values() for p in profiles)

_CATALOG: tuple[Rule, ...] = (*responses.RULES, *chat.RULES, *anthropic.RULES)

RULES: dict[str, Rule] = {r.id: r for r in _CATALOG}

#: Retired ids with the reason; never reused.
RETIRED: dict[str, str] = {}
#: Old id -> current id.
REDIRECTS: dict[str, str] = {}


def rule(rule_id: str) -> Rule:
    return RULES[REDIRECTS.get(rule_id, rule_id)]


def _matches(rule_id: str, name: str, patterns: Iterable[str]) -> bool:
    return any(rule_id.startswith(p.upper()) or name == p for p in patterns)


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> frozenset[str]:
    """Ids enabled by ``--select``/``--ignore`` (ids, id prefixes or rule names)."""
    return _selected(tuple(select), tuple(ignore))


@functools.lru_cache(maxsize=64)
def _selected(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    # Every file's check asks with the same options: walking the catalog for each took a sixth
    # of a small file's check (-j over 10,000 files of 4 KB).
    return frozenset(
        r.id
        for r in _CATALOG
        if (not select or _matches(r.id, r.name, select)) and not _matches(r.id, r.name, ignore)
    )
