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

    @property
    def protocol(self) -> str:
        return PROTOCOL_PREFIXES[self.id.rstrip("0123456789")]

    @property
    def layer(self) -> str:
        return LAYERS[int(self.id[-3])]

    def severity_in(self, profile: str) -> Severity | None:
        if profile in self.profiles:
            return self.profiles[profile]
        base = PROFILE_BASE.get(profile)
        if base is not None and base in self.profiles:
            return self.profiles[base]
        return self.severity

    def reported_severity(
        self, profile: str, strict: bool, override: Severity | None = None
    ) -> Severity | None:
        """The severity a finding of this rule is reported with, or None when it is not reported.

        ``override`` is a severity the check documents for a condition (``Issue.severity``).
        """
        if self.strict_only and not strict:
            return None
        return override or self.severity_in(profile)

    def doc(self) -> str:
        return (
            f"{self.id} {self.name} ({self.severity.value}, {self.layer})\n\n"
            f"{self.message}\n\n"
            f"What it checks\n  {self.what}\n\n"
            f"Why it matters\n  {self.why}\n  Source: {self.source}\n"
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
) -> Rule:
    return Rule(id, name, severity, message, what, why, source, dict(profiles or {}), strict_only)
