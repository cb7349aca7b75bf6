"""The official SDK as a second opinion: what it raises on, its clients trip over, so we must report it.

openai-python >= 3.31 raises on lifecycle violations itself. Its stream accumulator (the pinned
version, see pyproject's test extra) reads every stream transcript in corpus/, every capture of the
shared corpus and every mutant the suite makes of them (seeds 0 and 1, as
tests/test_mutation_detection.py); wherever it raises, the validator (openai profile) must report an
error. Left out, each for its reason (tools/sdk_oracle.py): WebSocket sessions, fragments, resumed
streams, open-responses transcripts, and the SDK's APIError on an `error` event (a server error
delivered, not a defect noticed).
"""

from __future__ import annotations

import pytest
from conftest import SHARED_CORPUS

from tools.sdk_oracle import SDK_MESSAGES, Differential, differential, sdk_raises
from validator.catalog import RULES

PINNED = "3.63.0"


@pytest.fixture(scope="module")
def result() -> Differential:
    import openai

    assert openai.__version__ == PINNED, "the test extra pins openai; reinstall with pip install -e .[test]"
    return differential(include_shared=SHARED_CORPUS.is_dir(), seeds=(0, 1), workers=2)


def test_whenever_the_sdk_raises_we_report_an_error(result: Differential) -> None:
    assert result.checked > 1000
    assert result.raised > 200, "the SDK should catch a good share of the mutants"
    shown = "\n".join(f"{m.name}: SDK {m.sdk!r}; we report {m.ours}" for m in result.misses[:20])
    assert result.misses == [], f"{len(result.misses)} streams the SDK rejects and we pass:\n{shown}"


def test_each_lifecycle_message_of_the_sdk_is_named_by_the_rule_that_reports_it(result: Differential) -> None:
    for message, rules in SDK_MESSAGES.items():
        doc = RULES[rules[0]].source
        assert message.replace(" N.", "").rstrip(".") in doc.replace(" N.", ""), (rules[0], message)
        seen = {rule for (msg, rule) in result.pairs if msg == message}
        if seen:  # where the SDK raised it, one of its rules reported the error
            assert seen & set(rules), (message, sorted(seen))


def test_the_sdk_reader_sees_a_clean_stream_and_a_broken_one() -> None:
    from conftest import CORPUS

    text = (CORPUS / "streams" / "message_text.sse").read_text(encoding="utf-8")
    assert sdk_raises(text, "message_text.sse") is None
    swapped = text.replace('"output_index":0', '"output_index":5', 2)
    assert "Received a content event for output index 0" in (sdk_raises(swapped, "x.sse") or "")
    cut = text[: text.index("event: response.completed")]
    assert sdk_raises(cut, "cut.sse") == "RuntimeError: Didn't receive a `response.completed` event."
