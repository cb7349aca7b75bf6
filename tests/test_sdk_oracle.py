"""The openai SDK as an oracle: the validator catches at least every mutant a strict SDK client notices."""

from __future__ import annotations

# tools.sdk_oracle needs openai, a dev dependency; the validator itself never imports it.
from tools.detection_matrix import own_bases
from tools.sdk_oracle import compare, report, sdk_outcome


def test_oracle_sees_a_clean_stream_and_a_broken_one() -> None:
    base = next(b for b in own_bases() if b.path.name == "message_text.sse")
    text = base.path.read_text(encoding="utf-8")
    _, how, final = sdk_outcome(text, base.path.name)
    assert how == "final" and '"status":"completed"' in final
    cut = text[: text.index("event: response.completed")]
    assert sdk_outcome(cut, base.path.name)[1:] == ("final", "")  # no final response at all


def test_we_catch_at_least_what_the_sdk_catches() -> None:
    tally = compare(own_bases(), [0])
    print(report(tally))
    assert tally.mutants > 500
    assert tally.sdk > 0, "the oracle should notice some mutants"
    assert tally.ours >= tally.sdk
    assert tally.sdk_only == []
