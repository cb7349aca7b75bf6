"""Cross-event consistency (RSP3xx), on one-change mutations of the valid base stream.

One changed character is one finding: the chain deltas -> done -> part -> item ->
terminal output reports the first link that disagrees and no later one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from test_lifecycle import CALL_DONE, Ev, Found, base, check, errors, life, mutate

from validator.protocols.responses.consistency import part_count_issue
from validator.protocols.responses.families import ITEMS
from validator.protocols.responses.output import first_difference, item_digest, normalize, same_item


def _edit(fn: Callable[[list[Ev]], None]) -> Callable[[list[Ev]], None]:
    return fn


CHAIN: dict[str, tuple[Callable[[list[Ev]], None], Found]] = {
    "delta-char": (lambda ev: ev[12].update(delta="lO"), [("RSP301", 13)]),
    "done-text": (lambda ev: ev[13].update(text="Hellö"), [("RSP301", 13)]),
    "part-text": (lambda ev: ev[14]["part"].update(text="Hello "), [("RSP302", 14)]),
    "item-text": (
        lambda ev: ev[15].update(item={**ev[15]["item"], "content": [{"type": "output_text", "text": "Hi"}]}),
        [("RSP303", 15)],
    ),
    "final-text": (
        lambda ev: ev[21]["response"]["output"].__setitem__(
            1, {**ev[15]["item"], "content": [{"type": "output_text", "text": "Hello!", "annotations": []}]}
        ),
        [("RSP304", 21)],
    ),
    "summary-delta": (lambda ev: ev[4].update(delta="think"), [("RSP301", 6)]),
    "summary-part": (lambda ev: ev[7]["part"].update(text="Thought"), [("RSP302", 7)]),
    "summary-item": (
        lambda ev: ev[8].update(item={**ev[8]["item"], "summary": [{"type": "summary_text", "text": "x"}]}),
        [("RSP303", 8)],
    ),
    # vLLM-style: the done item (and the final output) drop the streamed part; an empty
    # list is schema-valid, so only the part count shows it. RSP304 would repeat it.
    "item-content-empty": (
        lambda ev: [
            ev[15].update(item={**ev[15]["item"], "content": []}),
            ev[21]["response"]["output"][1].update(content=[]),
        ],
        [("RSP303", 15)],
    ),
    "summary-item-empty": (lambda ev: ev[8].update(item={**ev[8]["item"], "summary": []}), [("RSP303", 8)]),
    "arguments-delta": (lambda ev: ev[18].update(delta='"Rome"}'), [("RSP301", 19)]),
    "arguments-item": (lambda ev: ev[20].update(item={**CALL_DONE, "arguments": "{}"}), [("RSP303", 20)]),
    "final-missing-item": (lambda ev: ev[21]["response"]["output"].pop(), [("RSP305", 21)]),
    "final-empty": (lambda ev: ev[21]["response"].update(output=[]), [("RSP305", 21)]),
    "usage": (lambda ev: ev[21]["response"]["usage"].update(total_tokens=13), [("RSP308", 21)]),
    "function-name": (lambda ev: ev[19].update(name="get_time"), [("RSP311", 19)]),
}


@pytest.mark.parametrize("name", sorted(CHAIN))
def test_one_change_one_finding(name: str) -> None:
    fn, expected = CHAIN[name]
    assert errors(mutate(fn)) == expected


def test_item_without_content_field_is_left_to_the_schema() -> None:
    # A missing field is a schema finding (RSP10x), not a consistency one.
    events = mutate(lambda ev: ev[15]["item"].pop("content"))
    assert ("RSP303", 15) not in errors(events)


def test_part_count_message() -> None:
    issue = part_count_issue("content", "content", {"content": []}, 1)
    assert issue is not None and issue.rule == "RSP303" and issue.pointer == "/item/content"
    assert "holds 0 content parts in content, but 1 was streamed" in issue.message
    assert part_count_issue("content", "content", {"content": [{}]}, 1) is None
    assert part_count_issue("content", "content", {}, 1) is None


def test_no_trimming_or_normalisation() -> None:
    # "e" + combining acute vs precomposed "é": different texts, exactly compared.
    events = mutate(lambda ev: ev[12].update(delta="lo\u0065\u0301"))
    final = [{"type": "output_text", "text": "Hello\u00e9", "annotations": []}]
    events[13]["text"] = events[14]["part"]["text"] = final[0]["text"]
    events[15]["item"] = {**events[15]["item"], "content": final}
    events[21]["response"]["output"][1] = events[15]["item"]
    assert errors(events) == [("RSP301", 13)]


def test_encrypted_content_and_logprobs_are_exempt() -> None:
    events = base()
    events[21]["response"]["output"][0]["encrypted_content"] = "another-blob"
    events[21]["response"]["output"][1]["content"][0]["logprobs"] = [{"token": "x", "logprob": 0}]
    assert check(events) == []


def test_zero_deltas_done_only_is_accepted() -> None:
    # LM Studio sends function arguments only in .done (corpus 063).
    events = mutate(lambda ev: ev.__delitem__(slice(17, 19)))
    assert check(events) == []


def test_arguments_not_json_warns() -> None:
    bad = {**CALL_DONE, "arguments": "{city"}
    events = base()
    events[17]["delta"], events[18]["delta"] = "{ci", "ty"
    events[19]["arguments"] = "{city"
    events[20]["item"] = bad
    events[21]["response"]["output"][2] = bad
    assert check(events) == [("RSP312", 20)]


def _annotated(indices: list[int], final: list[Any], text: str = "Hello") -> list[Ev]:
    events = base()
    ann = {"type": "url_citation", "url": "https://e.x", "title": "t", "start_index": 0, "end_index": 5}
    added = [
        {
            "type": "response.output_text.annotation.added",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "annotation_index": i,
            "annotation": ann,
        }
        for i in indices
    ]
    part = {"type": "output_text", "text": text, "annotations": final}
    events[14]["part"] = part
    events[15]["item"]["content"] = [part]
    events[21]["response"]["output"][1]["content"] = [part]
    events[13:13] = added
    return events


ANN = {"type": "url_citation", "url": "https://e.x", "title": "t", "start_index": 0, "end_index": 5}


def test_annotations() -> None:
    assert check(_annotated([0], [ANN])) == []
    assert check(_annotated([0, 1], [ANN, ANN])) == []
    assert check(_annotated([1], [ANN, ANN])) == [("RSP306", 13)]
    assert check(_annotated([0], [])) == [("RSP307", 15)]
    # A span beyond the text.
    far = {**ANN, "end_index": 9}
    assert check(_annotated([], [far])) == [("RSP313", 14)]


def test_logprobs_mismatch_warns() -> None:
    lp = [{"token": "Hel", "logprob": -0.1}]
    events = base()
    events[11]["logprobs"] = lp
    events[12]["logprobs"] = []
    events[13]["logprobs"] = lp + lp
    assert check(events) == [("RSP310", 13)]
    events[13]["logprobs"] = lp
    assert check(events) == []


# --------------------------------------------------------------------------- other text families


def _stream(item: dict[str, Any], middle: list[Ev], done_item: dict[str, Any]) -> list[Ev]:
    return [
        life("created", "in_progress"),
        life("in_progress", "in_progress"),
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        *middle,
        {"type": "response.output_item.done", "output_index": 0, "item": done_item},
        life("completed", "completed", output=[done_item]),
    ]


def _shell(command_done: str = "ls -a", item_cmd: str = "ls -a") -> list[Ev]:
    item = {
        "id": "sh_1",
        "type": "shell_call",
        "status": "in_progress",
        "call_id": "c",
        "action": {"commands": []},
    }
    done = {**item, "status": "completed", "action": {"commands": [item_cmd]}}
    cmd = {"output_index": 0, "command_index": 0}
    return _stream(
        item,
        [
            {"type": "response.shell_call_command.added", **cmd, "command": ""},
            {"type": "response.shell_call_command.delta", **cmd, "delta": "ls"},
            {"type": "response.shell_call_command.delta", **cmd, "delta": " -a"},
            {"type": "response.shell_call_command.done", **cmd, "command": command_done},
        ],
        done,
    )


def _shell_output(stdout_done: str = "a\nb\n") -> list[Ev]:
    item = {"id": "sho_1", "type": "shell_call_output", "status": "completed", "call_id": "c", "output": []}
    chunk = {"stdout": stdout_done, "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}
    done = {**item, "output": [chunk]}
    ref = {"item_id": "sho_1", "output_index": 0, "command_index": 0}
    return _stream(
        item,
        [
            {"type": "response.shell_call_output_content.delta", **ref, "delta": {"stdout": "a\n"}},
            {
                "type": "response.shell_call_output_content.delta",
                **ref,
                "delta": {"stdout": "b\n", "stderr": ""},
            },
            {"type": "response.shell_call_output_content.done", **ref, "output": [chunk]},
        ],
        done,
    )


def _patch(diff_done: str = "+x\n") -> list[Ev]:
    item = {"id": "apc_1", "type": "apply_patch_call", "status": "in_progress", "call_id": "c",
            "operation": {"type": "create_file", "diff": "", "path": "f"}}  # fmt: skip
    done = {**item, "status": "completed", "operation": {**item["operation"], "diff": "+x\n"}}
    ref = {"item_id": "apc_1", "output_index": 0}
    return _stream(
        item,
        [
            {"type": "response.apply_patch_call_operation_diff.delta", **ref, "delta": "+x"},
            {"type": "response.apply_patch_call_operation_diff.delta", **ref, "delta": "\n"},
            {"type": "response.apply_patch_call_operation_diff.done", **ref, "diff": diff_done},
        ],
        done,
    )


FAMILIES: dict[str, tuple[list[Ev], Found]] = {
    "shell-command": (_shell(), []),
    "shell-command-done": (_shell(command_done="ls -al"), [("RSP301", 6)]),
    "shell-command-item": (_shell(item_cmd="ls"), [("RSP303", 7)]),
    "shell-output": (_shell_output(), []),
    "shell-output-done": (_shell_output("a\n"), [("RSP301", 5)]),
    "apply-patch": (_patch(), []),
    "apply-patch-done": (_patch("+y\n"), [("RSP301", 5)]),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_text_family(name: str) -> None:
    events, expected = FAMILIES[name]
    assert errors(copy.deepcopy(events)) == expected


def test_shell_command_delta_before_added() -> None:
    events = _shell()
    events.insert(4, events.pop(3))
    assert errors(events) == [("RSP240", 3)]


# --------------------------------------------------------------------------- helpers


def test_normalize_copies_only_along_the_path() -> None:
    item = {"type": "message", "content": [{"text": "a", "logprobs": [1]}], "id": "m"}
    norm = normalize(item, ITEMS["message"])
    assert norm == {"type": "message", "content": [{"text": "a"}], "id": "m"}
    assert item["content"][0]["logprobs"] == [1]


def test_digest_and_difference() -> None:
    spec = ITEMS["reasoning"]
    a = {"id": "r", "type": "reasoning", "summary": [{"text": "x"}], "encrypted_content": "1"}
    kept = item_digest(a, spec)
    assert same_item(kept, {**a, "encrypted_content": "2"}, spec)
    assert not same_item(kept, {**a, "summary": [{"text": "y"}]}, spec)
    assert first_difference(a, {**a, "summary": [{"text": "y"}]}) == "/summary/0/text"
    assert first_difference([1], [1, 2]) == "/1"
    assert first_difference(1, 1.0) == "/"
    assert first_difference({"big": 2**70}, {"big": 2**70}) == ""
    assert item_digest({"big": 2**70}, spec).digest == item_digest({"big": 2**70}, spec).digest
