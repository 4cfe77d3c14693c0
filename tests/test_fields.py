"""Every field a client can receive is checked, or dropped and noted: the fields module as a
table, then the official openai SDK against the real proxy and a fake provider that returns
refusals, reasoning, tool-call names, audio, citations, logprobs and unknown fields."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from proxy import fields
from tests.conftest import Proxy

EMAIL = "jane.roe@example.com"
COMPETITOR = "Globex"


# --- the module ---------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "segments"), [
    ({"role": "assistant", "content": "hi"}, {"content": "hi"}),
    ({"content": [{"type": "text", "text": "a jane"}, {"type": "refusal", "refusal": "no"},
                  {"type": "text", "text": ".roe@x.com"}]},
     {"content[0].text": "a jane.roe@x.com", "content[1].refusal": "no"}),
    ({"refusal": "r", "reasoning_content": "rc", "reasoning": "rs"}, {"refusal": "r", "reasoning_content": "rc", "reasoning": "rs"}),
    ({"thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "s"}, {"type": "redacted_thinking", "data": "x"}]},
     {"thinking_blocks[0].thinking": "t"}),
    ({"tool_calls": [{"id": "c", "type": "function", "function": {"name": "n", "arguments": "{}"}}]},
     {"tool_calls[0].function.name": "n", "tool_calls[0].function.arguments": "{}"}),
    ({"tool_calls": [{"id": "c", "type": "custom", "custom": {"name": "n", "input": "i"}}]},
     {"tool_calls[0].custom.name": "n", "tool_calls[0].custom.input": "i"}),
    ({"function_call": {"name": "n", "arguments": "a"}}, {"function_call.name": "n", "function_call.arguments": "a"}),
    ({"audio": {"id": "a", "data": "UklGRg==", "expires_at": 1, "transcript": "t"}}, {"audio.transcript": "t"}),
    ({"annotations": [{"type": "url_citation", "url_citation": {"start_index": 0, "end_index": 2, "title": "T", "url": "U"}}]},
     {"annotations[0].url_citation.title": "T", "annotations[0].url_citation.url": "U"}),
    ({"reasoning_items": [{"type": "reasoning", "id": "r", "summary": [{"type": "summary_text", "text": "s"}]}]},
     {"reasoning_items[0].summary[0].text": "s"}),
    ({"provider_specific_fields": {"reasoning": "r"}}, {"provider_specific_fields.reasoning": "r"}),
])
def test_every_text_field_is_a_segment(message: dict[str, Any], segments: dict[str, str]) -> None:
    reading = fields.read_message(message)
    assert {s.location: s.text for s in reading.segments} == segments
    assert reading.dropped == []


@pytest.mark.parametrize(("message", "dropped"), [
    ({"content": "x", "images": [{"type": "image_url", "image_url": {"url": "data:,x"}}]}, {"images": "unknown_field"}),
    ({"provider_specific_fields": {"citations": ["u"], "reasoning": "r"}}, {"provider_specific_fields.citations": "unknown_field"}),
    ({"tool_calls": [{"id": "c", "function": {"name": "n", "arguments": "{}"}, "note": "x"}]}, {"tool_calls[0].note": "unknown_field"}),
    ({"tool_calls": [{"type": "web_search", "query": "q"}]}, {"tool_calls[0]": "unexpected_type"}),
    ({"content": [{"type": "image_url", "image_url": {"url": "u"}}, {"type": "text", "text": "t", "cache": "c"}]},
     {"content[0]": "unexpected_type", "content[1].cache": "unknown_field"}),
    ({"content": {"text": "x"}}, {"content": "unexpected_type"}),
    ({"refusal": ["x"]}, {"refusal": "unexpected_type"}),
    ({"content": "x", "empty": {}, "nothing": None, "blank": ""}, {}),
])
def test_unknown_or_odd_fields_are_dropped_and_named(message: dict[str, Any], dropped: dict[str, str]) -> None:
    reading = fields.read_message(message)
    assert {fields.location(d.path): d.rule for d in reading.dropped} == dropped
    assert set(reading.value) <= {"content", "provider_specific_fields", "tool_calls", "refusal"}
    for d in reading.dropped:
        finding = d.finding()
        assert (finding.check, finding.action, finding.severity) == ("fields", "fix", "low")
        assert fields.location(d.path) in finding.message


@pytest.mark.parametrize(("text", "expected"), [
    ("plain", "plain"),
    ("a\ud800b", "ab"),
    ("jane.roe@exa\udfffmple.com", "jane.roe@example.com"),
    ("a\x00b\x1bc\x7fd\x85e", "abcde"),
    ("keeps\ttabs\nand\r\nbreaks", "keeps\ttabs\nand\r\nbreaks"),
    ("emoji \U0001f600 stays", "emoji \U0001f600 stays"),
])
def test_sanitize_removes_lone_surrogates_and_control_characters(text: str, expected: str) -> None:
    assert fields.sanitize_text(text) == expected
    assert fields.sanitize({"k\ud800": [text, {"x": text}]}) == {"k": [expected, {"x": expected}]}


def test_sanitize_handles_any_depth() -> None:
    deep: Any = "x\ud800"
    for _ in range(20_000):
        deep = [deep]
    out = fields.sanitize(deep)
    for _ in range(20_000):
        out = out[0]
    assert out == "x"


def _tokens(*pieces: str, alternatives: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"token": p, "logprob": -0.1, "bytes": list(p.encode()),
             "top_logprobs": [{"token": t, "logprob": -1.0, "bytes": list(t.encode())} for t in (p, *alternatives)]}
            for p in pieces]


@pytest.mark.parametrize(("tokens", "fixed_content", "kept"), [
    (_tokens("All", " good", "."), "All good.", True),
    (_tokens("All", " good", ".", alternatives=("jane",)), "All good.", True),
    (_tokens("All", " good", "."), "All good. Changed.", False),  # a fix changed the text
    (_tokens("All", " bad", "."), "All good.", False),  # tokens that do not spell the checked text
    ([{"token": "All good.", "logprob": -0.1, "bytes": [1, 2]}], "All good.", False),  # bytes that say something else
])
def test_logprobs_are_kept_only_when_they_spell_the_unchanged_text(tokens: list[dict[str, Any]], fixed_content: str,
                                                                   kept: bool) -> None:
    message = {"role": "assistant", "content": "All good."}
    logprobs, dropped = fields.kept_logprobs({"content": tokens}, message, {**message, "content": fixed_content})
    assert dropped == []
    if not kept:
        assert logprobs is None
        return
    assert logprobs is not None
    assert "".join(t["token"] for t in logprobs["content"]) == "All good."
    assert all([a["token"] for a in t["top_logprobs"]] == [t["token"]] for t in logprobs["content"])


@pytest.mark.parametrize(("message", "changed", "gone"), [
    ({"audio": {"id": "a", "data": "UklGRg==", "transcript": "t"}}, ("audio", "transcript"), ("audio", "data")),
    ({"thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "s"}]}, ("thinking_blocks", 0, "thinking"),
     ("thinking_blocks", 0, "signature")),
    ({"content": "c", "annotations": [{"type": "url_citation", "url_citation": {"title": "T", "url": "U"}}]},
     ("content",), ("annotations",)),
])
def test_values_bound_to_a_changed_text_are_dropped(message: dict[str, Any], changed: fields.Path,
                                                   gone: fields.Path) -> None:
    unchanged = fields.read_message(message)
    fields.drop_stale(unchanged.value, unchanged.bound, set())
    assert unchanged.value == message
    reading = fields.read_message(message)
    fields.write(reading.value, changed, "fixed")
    fields.drop_stale(reading.value, reading.bound, {changed})
    parent = reading.value
    for part in gone[:-1]:
        parent = parent[part]
    assert gone[-1] not in parent


# --- through the real proxy ------------------------------------------------------------


def _fields_prompt(extras: dict[str, Any]) -> str:
    return "FIELDS: " + json.dumps(extras)


def _call(message: dict[str, Any]) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}, **message}


# (case, extras with VALUE where the value goes, the field path where it is found, whether it is checked or dropped)
FIELD_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("content", {"message": {"content": "Ask VALUE."}}, "content", "checked"),
    ("refusal", {"message": {"refusal": "I can't share VALUE."}}, "refusal", "checked"),
    ("reasoning_content", {"message": {"reasoning_content": "The user means VALUE."}}, "reasoning_content", "checked"),
    ("reasoning", {"message": {"content": "ok", "reasoning": "The user means VALUE."}}, "provider_specific_fields.reasoning", "checked"),
    ("thinking_blocks", {"message": {"thinking_blocks": [{"type": "thinking", "thinking": "Mention VALUE.", "signature": "c2ln"}]}},
     "thinking_blocks[0].thinking", "checked"),
    ("reasoning_items", {"message": {"content": "ok", "reasoning_items": [
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Mention VALUE."}]}]}},
     "reasoning_items[0].summary[0].text", "checked"),
    ("tool name", {"message": {"tool_calls": [{"id": "call_1", "type": "function",
                                               "function": {"name": "ask VALUE", "arguments": "{}"}}]}},
     "tool_calls[0].function.name", "checked"),
    ("tool arguments", {"message": {"tool_calls": [{"id": "call_1", "type": "function",
                                                    "function": {"name": "lookup", "arguments": '{"q": "VALUE"}'}}]}},
     "tool_calls[0].function.arguments", "checked"),
    ("function_call name", {"message": {"function_call": {"name": "ask VALUE", "arguments": "{}"}}}, "function_call.name", "checked"),
    ("function_call arguments", {"message": {"function_call": {"name": "lookup", "arguments": '{"q": "VALUE"}'}}},
     "function_call.arguments", "checked"),
    ("audio transcript", {"message": {"audio": {"id": "audio_1", "data": "UklGRg==", "expires_at": 1,
                                                "transcript": "Ask VALUE."}}}, "audio.transcript", "checked"),
    ("citation title", {"message": {"content": "See the source.", "annotations": [{"type": "url_citation", "url_citation": {
        "start_index": 0, "end_index": 3, "title": "About VALUE", "url": "https://docs.example.org/a"}}]}},
     "annotations[0].url_citation.title", "checked"),
    ("citation url", {"message": {"content": "See the source.", "annotations": [{"type": "url_citation", "url_citation": {
        "start_index": 0, "end_index": 3, "title": "Docs", "url": "https://docs.example.org/VALUE"}}]}},
     "annotations[0].url_citation.url", "checked"),
    ("logprobs tokens", {"message": {"content": "Ask VALUE."}, "choice": {"logprobs": {"content": [
        {"token": "Ask ", "logprob": -0.1, "bytes": None, "top_logprobs": []},
        {"token": "VALUE", "logprob": -0.1, "bytes": None, "top_logprobs": []},
        {"token": ".", "logprob": -0.1, "bytes": None, "top_logprobs": []}]}}}, "content", "checked"),
    ("unknown message field", {"message": {"content": "ok", "citations": ["VALUE"]}}, "provider_specific_fields.citations", "dropped"),
    ("images", {"message": {"content": "ok", "images": [
        {"type": "image_url", "index": 0, "image_url": {"url": "data:text/plain,VALUE"}}]}}, "images", "dropped"),
    ("unknown choice field", {"message": {"content": "ok"}, "choice": {"explanation": "VALUE"}},
     "choice.provider_specific_fields.explanation", "dropped"),
    ("unknown top-level field", {"message": {"content": "ok"}, "response": {"citations": ["VALUE"]}}, "response.citations", "dropped"),
]

# litellm's stream delivers a provider's extra fields where the provider wrote them (not under
# `provider_specific_fields`, as its JSON reply does) and vLLM's `reasoning` as `reasoning_content`.
STREAM_LOCATIONS = {
    "provider_specific_fields.reasoning": "reasoning_content",
    "provider_specific_fields.citations": "citations",
    "choice.provider_specific_fields.explanation": "choice.explanation",
}

# (value, policy, mode, on_hold, the rule a check finds it with)
VALUES = [
    pytest.param(EMAIL, "default", "monitor", "wait", "EMAIL_ADDRESS", id="email"),
    pytest.param(COMPETITOR, "sales-email", "review", "defer", "competitor_mention", id="competitor"),
]


def _fill(value: Any, text: str) -> Any:
    return json.loads(json.dumps(value).replace("VALUE", text))


def _reply(client: openai.OpenAI, prompt: str, stream: bool) -> tuple[str, dict[str, Any]]:
    """Everything the app received besides the loopguard object (each chunk, extras included),
    and the loopguard object. Its findings may name a policy's competitor, never the output."""
    messages: list[Any] = [{"role": "user", "content": prompt}]
    if not stream:
        raw = client.chat.completions.with_raw_response.create(model="fake-model", messages=messages)
        body = json.loads(raw.http_response.text)
        return json.dumps({k: v for k, v in body.items() if k != "loopguard"}), body["loopguard"]
    chunks = list(client.chat.completions.create(model="fake-model", messages=messages, stream=True))
    dumped = "\n".join(c.model_dump_json(exclude={"loopguard"}) for c in chunks)
    return dumped, chunks[-1].model_extra["loopguard"]


def _streamed_message(chunks: list[Any]) -> dict[str, Any]:
    """A choice's message as the app puts it together from the deltas of a stream."""
    message: dict[str, Any] = {}
    for c in chunks:
        for choice in c.choices:
            fields.merge_delta(message, choice.delta.model_dump(exclude_none=True))
    return message


def _streamed_logprobs(chunks: list[Any]) -> Any:
    return next((choice.logprobs for c in chunks for choice in c.choices if choice.logprobs is not None), None)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize(("value", "policy", "mode", "on_hold", "rule"), VALUES)
@pytest.mark.parametrize(("case", "extras", "where", "how"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_a_value_in_any_field_never_reaches_the_app(proxy: Proxy, case: str, extras: dict[str, Any], where: str,
                                                    how: str, value: str, policy: str, mode: str, on_hold: str,
                                                    rule: str, stream: bool) -> None:
    client = proxy.client(f"fields-{policy}", policy, mode, on_hold)
    received, info = _reply(client, _fields_prompt(_fill(extras, value)), stream)
    assert value.lower() not in received.lower()
    located = {(f["location"], f["rule"]) for f in info["findings"]}
    where = STREAM_LOCATIONS.get(where, where) if stream else where
    assert (where, rule if how == "checked" else "unknown_field") in located
    assert all(set(f) >= {"check", "rule", "location", "message"} and "text" not in f for f in info["findings"])


@pytest.mark.parametrize(("case", "extras", "kept"), [
    ("reasoning", {"message": {"content": "Fine.", "reasoning_content": "Plan: answer briefly."}},
     {"reasoning_content": "Plan: answer briefly."}),
    ("refusal", {"message": {"content": None, "refusal": "I can't help with that."}}, {"refusal": "I can't help with that."}),
    ("tool call", {"message": {"tool_calls": [_call({})]}}, {"tool_calls": [_call({})]}),
    ("audio", {"message": {"audio": {"id": "audio_1", "data": "UklGRg==", "expires_at": 1, "transcript": "Hello."}}},
     {"audio": {"id": "audio_1", "data": "UklGRg==", "expires_at": 1, "transcript": "Hello."}}),
    ("thinking", {"message": {"content": "Hi.", "thinking_blocks": [{"type": "thinking", "thinking": "Greet.", "signature": "c2ln"}]}},
     {"thinking_blocks": [{"type": "thinking", "thinking": "Greet.", "signature": "c2ln"}]}),
])
def test_clean_extra_fields_reach_the_app_unchanged_in_json_and_stream(proxy: Proxy, case: str, extras: dict[str, Any],
                                                                       kept: dict[str, Any]) -> None:
    client = proxy.client("plain", "default", "monitor")
    prompt = _fields_prompt(extras)
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}])
    message = reply.choices[0].message.model_dump(exclude_none=True)
    assert {k: message.get(k) for k in kept} == kept
    assert reply.model_extra["loopguard"]["findings"] == []
    chunks = list(client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}],
                                                 stream=True))
    delta = _streamed_message(chunks)
    streamed = {**delta, "tool_calls": [{k: v for k, v in c.items() if k != "index"} for c in delta.get("tool_calls", [])]}
    assert {k: streamed.get(k) for k in kept} == kept


def test_unknown_fields_are_dropped_and_noted_without_their_values(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    extras = {"message": {"content": "Done.", "citations": ["secret-one"]},
              "choice": {"content_filter_results": {"note": "secret-two"}},
              "response": {"prompt_filter_results": [{"note": "secret-three"}], "system_fingerprint": "fp_1"}}
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": _fields_prompt(extras)}])
    body = json.loads(raw.http_response.text)
    assert "secret" not in raw.http_response.text
    assert body["choices"][0]["message"]["content"] == "Done."
    assert body["system_fingerprint"] == "fp_1" and body["usage"]["total_tokens"] == 30
    info = body["loopguard"]
    assert info["decision"] == "fix"
    assert sorted((f["location"], f["rule"], f["action"]) for f in info["findings"]) == [
        ("choice.provider_specific_fields.content_filter_results", "unknown_field", "fix"),
        ("provider_specific_fields.citations", "unknown_field", "fix"),
        ("response.prompt_filter_results", "unknown_field", "fix"),
    ]


LOGPROBS = {"content": [
    {"token": "All", "logprob": -0.01, "bytes": [65, 108, 108],
     "top_logprobs": [{"token": "All", "logprob": -0.01, "bytes": [65, 108, 108]}, {"token": "Mail", "logprob": -4.2, "bytes": [77, 97, 105, 108]}]},
    {"token": " good.", "logprob": -0.2, "bytes": list(b" good."),
     "top_logprobs": [{"token": " good.", "logprob": -0.2, "bytes": list(b" good.")}]},
]}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_logprobs_are_kept_when_the_text_is_unchanged(proxy: Proxy, stream: bool) -> None:
    client = proxy.client("plain", "default", "monitor")
    prompt = _fields_prompt({"message": {"content": "All good."}, "choice": {"logprobs": LOGPROBS}})
    if stream:
        chunks = list(client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}],
                                                     stream=True))
        logprobs = _streamed_logprobs(chunks)
    else:
        logprobs = client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": prompt}]).choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert [t.token for t in logprobs.content] == ["All", " good."]
    assert [[a.token for a in t.top_logprobs] for t in logprobs.content] == [["All"], [" good."]]  # no unchecked alternatives


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_logprobs_are_removed_when_a_fix_changed_the_text(proxy: Proxy, stream: bool) -> None:
    client = proxy.client("plain", "default", "monitor")
    tokens = [{"token": t, "logprob": -0.1, "bytes": list(t.encode()), "top_logprobs": []} for t in ("Mail ", EMAIL)]
    prompt = _fields_prompt({"message": {"content": f"Mail {EMAIL}"}, "choice": {"logprobs": {"content": tokens}}})
    if stream:
        chunks = list(client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}],
                                                     stream=True))
        assert _streamed_message(chunks)["content"] == "Mail <EMAIL_ADDRESS>"
        assert _streamed_logprobs(chunks) is None
        return
    else:
        reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}])
        choice = reply.choices[0]
        assert reply.choices[0].message.content == "Mail <EMAIL_ADDRESS>"
    assert choice.logprobs is None


def test_audio_data_is_dropped_when_its_transcript_was_fixed(proxy: Proxy) -> None:
    client = proxy.client("plain", "default", "monitor")
    prompt = _fields_prompt({"message": {"audio": {"id": "audio_1", "data": "UklGRg==", "expires_at": 1,
                                                   "transcript": f"Write to {EMAIL}."}}})
    audio = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}]).choices[0].message.audio
    assert audio is not None
    assert audio.transcript == "Write to <EMAIL_ADDRESS>." and audio.id == "audio_1"
    assert "data" not in audio.model_dump(exclude_unset=True)


def test_a_footer_is_appended_to_the_reply_only_never_to_a_tool_call(proxy: Proxy) -> None:
    """support-reply appends a footer when it is missing: to the content, not to a function name or arguments."""
    client = proxy.client("fields-support", "support-reply", "monitor")
    prompt = _fields_prompt({"message": {"content": "Hi Maria, done.", "tool_calls": [_call({})]}})
    message = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}]).choices[0].message
    assert message.content is not None and message.content.endswith("visit our help center.")
    assert message.tool_calls is not None
    call = message.tool_calls[0]
    assert call.type == "function"
    assert (call.function.name, call.function.arguments) == ("lookup", "{}")


def test_a_whole_output_finding_is_noted_once_however_many_fields_are_checked(proxy: Proxy) -> None:
    client = proxy.client("fields-sales-email", "sales-email", "review", "defer")
    prompt = _fields_prompt({"message": {"content": "Redlines attached.", "refusal": "None.", "reasoning_content": "Send it.",
                                         "tool_calls": [_call({})]}})
    reply = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": prompt}],
                                           extra_body={"metadata": {"deal_value": 250000}})
    rules = [f["rule"] for f in reply.model_extra["loopguard"]["findings"]]
    assert rules == ["high_value_deal"]


def test_content_parts_that_litellm_cannot_parse_fail_closed(proxy: Proxy) -> None:
    """litellm rejects an assistant message whose content is a list; the app gets a 502 without the text."""
    key = proxy.key("plain", "default", "monitor")
    prompt = _fields_prompt({"message": {"content": [{"type": "text", "text": f"Mail {EMAIL}"}]}})
    response = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"},
                          json={"model": "fake-model", "messages": [{"role": "user", "content": prompt}]}, timeout=30)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_error"
    assert EMAIL not in response.text


# --- bad input ---------------------------------------------------------------------------

def _nested(depth: int) -> str:
    return "[" * depth + json.dumps(EMAIL) + "]" * depth


# (case, prompt for the fake provider, status, the decision, the content the app must receive or None)
BAD_INPUT = [
    ("lone surrogate inside a value", 'FIELDS: {"message": {"content": "Mail jane.roe@exa\\ud800mple.com now"}}',
     200, "fix", "Mail <EMAIL_ADDRESS> now"),
    ("lone surrogates everywhere", 'FIELDS: {"message": {"content": "a\\udfffb", "refusal": "\\ud800", "tool_calls": '
     '[{"id": "c\\ud800", "type": "function", "function": {"name": "f\\udc00", "arguments": "{}"}}]}, '
     '"response": {"system_fingerprint": "fp\\ud800"}}', 200, "allow", "ab"),
    ("control characters", 'FIELDS: {"message": {"content": "Mail jane.roe@\\u0000example.com\\u001b now\\u0007"}}',
     200, "fix", "Mail <EMAIL_ADDRESS> now"),
    # 100 KB streamed 50 words a chunk (300 chunks, not 15,000): the guard still reads all 100 KB
    # and masks every copy; one word a chunk is what the other stream tests send.
    ("100 KB output", f"[stream words=50] REPEAT 3000: Write to {EMAIL} soon. ", 200, "fix", None),
    ("500-level tool-call JSON", f"TOOL: {_nested(500)}", 200, "fix", None),
    # litellm's own parse of the arguments gives up (RecursionError): an upstream error, no text.
    ("10,000-level tool-call JSON", f"TOOL: {_nested(10_000)}", 502, None, None),
    # The same nesting as reply text reaches the checks (which read it in linear time) and is masked.
    ("10,000-level JSON as content", f"REPLY: {_nested(10_000)}", 200, "fix",
     "[" * 10_000 + '"<EMAIL_ADDRESS>"' + "]" * 10_000),
]
# Streamed, litellm passes the argument pieces on unparsed: loopguard assembles and checks them.
STREAMED_BAD_INPUT = {"10,000-level tool-call JSON": (200, "fix")}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize(("case", "prompt", "status", "decision", "content"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_upstream_text_is_checked_or_fails_closed(proxy: Proxy, case: str, prompt: str, status: int,
                                                      decision: str | None, content: str | None, stream: bool) -> None:
    key = proxy.key("plain", "default", "monitor")
    if stream:
        status, decision = STREAMED_BAD_INPUT.get(case, (status, decision))
    response = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=300,
                          json={"model": "fake-model", "stream": stream, "messages": [{"role": "user", "content": prompt}]})
    assert response.status_code == status, response.text
    response.content.decode("utf-8")  # strict: only encodable text was sent
    assert "jane.roe" not in response.text
    if status != 200:
        assert response.json()["error"]["type"] == "upstream_error"
    elif stream:
        assert response.text.rstrip().endswith("data: [DONE]")
        assert f'"decision":"{decision}"' in response.text
    else:
        body = response.json()
        assert body["loopguard"]["decision"] == decision
        if content is not None:
            assert body["choices"][0]["message"]["content"] == content

