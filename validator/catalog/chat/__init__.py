"""The Chat Completions rules (``CH`` + three digits).

Numbering: the hundreds digit is the layer (0 framing, 1 schema, 2 lifecycle, 3 consistency),
as for every protocol; the last two digits are the number ``../shared/spec/CHAT.md`` proposed
for the rule (CHAT.md's ``CH024`` is the lifecycle rule ``CH224``, its ``CH053`` the consistency
rule ``CH353``), so each rule can be traced to its source paragraph. Rules CHAT.md does not
number take free slots (``x6x``-``x9x``, or a free slot of the decade they refine); each says
which CHAT.md rule it refines.

Profiles: ``chat`` (the default: OpenAI's wire as documented and sent) and ``chat-compat``
(what openai-python 3.63.0 tolerates: the deviations its accumulator copes with are reported
as information, not warnings). A deviation that makes the SDK raise or lose data stays an
error in both. The decisions on CHAT.md §8's open questions are recorded in the rules they
concern (CH122, CH163, CH240, CH252, CH230).
"""

from __future__ import annotations

from validator.catalog.chat import consistency, framing, lifecycle, schema
from validator.catalog.rule import Rule

__all__ = ["PROFILES", "PROFILE_DOCS", "RULES"]

PROFILES = ("chat", "chat-compat")

#: What each profile accepts, and why (``llm-stream-validator rules --profiles``).
PROFILE_DOCS: dict[str, str] = {
    "chat": "OpenAI Chat Completions streams as api.openai.com sends them (the default for chat): what "
    "openai-python tolerates but a strict client may not (the finish_reason key absent, created ticking, "
    "role repeated, usage on a choice chunk, Azure annotation chunks) is a warning.",
    "chat-compat": "What openai-python 3.63.0 tolerates: the same deviations are information; what makes "
    "the SDK raise or lose data (a choice without delta, a tool call without index, a changed id, no "
    "[DONE], a choice never finished) stays an error.",
}

RULES: tuple[Rule, ...] = (*framing.RULES, *schema.RULES, *lifecycle.RULES, *consistency.RULES)
