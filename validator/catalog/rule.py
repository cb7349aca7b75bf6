"""A rule of the catalog: id, name, severity, message and documentation, and how it is reported.

Every protocol's entries are built with :func:`make`; :mod:`validator.catalog` gathers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from validator.model.findings import Severity

__all__ = ["LAYERS", "PROFILE_BASE", "PROTOCOL_PREFIXES", "Rule", "make"]

#: The layer a rule belongs to is the hundreds digit of its number, in every protocol.
LAYERS = ("framing", "schema", "lifecycle", "consistency", "connection")
#: A profile that takes another's per-rule severities where it sets none of its own.
PROFILE_BASE = {"codex": "openai"}
#: Rule id prefix -> the protocol whose rules carry it.
PROTOCOL_PREFIXES = {"RSP": "responses", "CH": "chat", "AN": "anthropic"}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    message: str
    what: str
    why: str
    source: str
    #: Per-profile severity; ``None`` means the rule does not apply in that profile.
    profiles: Mapping[str, Severity | None] = field(default_factory=dict)
    #: Only reported with ``--strict``.
    strict_only: bool = False
    #: Conditions a check names (``Issue.case``) whose severity differs by profile from the rule's:
    #: case -> profile -> severity. A profile a case does not name takes the rule's severity.
    cases: Mapping[str, Mapping[str, Severity | None]] = field(default_factory=dict)

    @property
    def protocol(self) -> str:
        return PROTOCOL_PREFIXES[self.id.rstrip("0123456789")]

    @property
    def layer(self) -> str:
        return LAYERS[int(self.id[-3])]

    def severity_in(self, profile: str, case: str | None = None) -> Severity | None:
        """The severity in ``profile`` (of the condition ``case``, when the rule names it)."""
        if case is not None:
            table = self.cases.get(case)
            if table is not None and (key := _profile_key(table, profile)) is not None:
                return table[key]
        key = _profile_key(self.profiles, profile)
        return self.severity if key is None else self.profiles[key]

    def reported_severity(
        self, profile: str, strict: bool, override: Severity | None = None, case: str | None = None
    ) -> Severity | None:
        """The severity a finding of this rule is reported with, or None when it is not reported.

        ``override`` is a severity the check documents for a condition in every profile
        (``Issue.severity``); ``case`` names a condition whose severity is set per profile
        (``Issue.case``, :attr:`cases`).
        """
        if self.strict_only and not strict:
            return None
        return override or self.severity_in(profile, case)

    def doc(self) -> str:
        return (
            f"{self.id} {self.name} ({self.severity.value}, {self.layer})\n\n"
            f"{self.message}\n\n"
            f"What it checks\n  {self.what}\n\n"
            f"Why it matters\n  {self.why}\n  Source: {self.source}\n"
            + "".join(
                f"\nSeverity of the case {case}\n  "
                + ", ".join(f"{p}: {s.value if s else 'not reported'}" for p, s in table.items())
                + "; other profiles: as the rule\n"
                for case, table in self.cases.items()
            )
        )


def make(
    id: str,
    name: str,
    severity: Severity,
    message: str,
    what: str,
    why: str,
    source: str,
    profiles: Mapping[str, Severity | None] | None = None,
    strict_only: bool = False,
    cases: Mapping[str, Mapping[str, Severity | None]] | None = None,
) -> Rule:
    return Rule(
        id,
        name,
        severity,
        message,
        what,
        why,
        source,
        dict(profiles or {}),
        strict_only,
        {case: dict(table) for case, table in (cases or {}).items()},
    )


def _profile_key(table: Mapping[str, Severity | None], profile: str) -> str | None:
    """The key of ``table`` that sets ``profile``'s severity: its own, else its base profile's."""
    if profile in table:
        return profile
    base = PROFILE_BASE.get(profile)
    return base if base is not None and base in table else None
