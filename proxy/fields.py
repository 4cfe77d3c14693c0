"""Every piece of text a client can receive in a chat completion, in one list.

The schema below (`MESSAGE`, `CHOICE`, `RESPONSE`) names each field a completion may carry
and what it holds: text that the checks read, an opaque value with nothing for a person to
read (ids, counts, timestamps, signatures, ciphertext), or objects and lists of those. The
guard, the JSON body and the SSE replay all go through it, so there is one answer to "what
can reach the app":

- `read_*` lists the (location, text) segments to check and returns a copy that holds only
  known fields. A field the schema does not know, or of a shape it does not expect, is
  dropped and reported (fail closed: unknown text is never passed on). litellm moves fields
  it does not model into `provider_specific_fields`; those are read with the same schema.
- `write` puts fixed text back at a segment's path.
- `merge_delta` adds a stream chunk's delta to the message assembled so far, as the schema
  says each field grows: text appends, a tool call merges into the call with its `index`, a
  thinking block into the block before it, any other value is replaced. `STREAMED` names
  the texts a stream may release while they grow; every other field waits for its choice to
  end, is checked whole, then sent.
- `drop_stale` removes values that describe a text exactly and are wrong once it changed:
  `audio.data` (the spoken transcript), a thinking block's `signature`, `annotations`
  (character offsets into the content); `kept_logprobs` does the same for token logprobs.
  None of these reach the app with text other than the checked text they belong to: a
  message that is replaced (blocked, edited by a reviewer) carries none of them.

Every string is sanitised before anything reads it: lone surrogates (which cannot be encoded
as UTF-8) and control characters other than tab and line breaks are removed, not replaced,
so a value split by them is seen whole by the checks, and the text checked is exactly the
text sent.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from checks.types import Finding

Path = tuple[str | int, ...]

# C0 controls but tab, LF and CR; DEL and C1 controls; UTF-16 surrogates (only lone ones
# survive JSON decoding as code points of their own).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_MAX_NAME = 80


def sanitize_text(text: str) -> str:
    """`text` without lone surrogates and control characters (tab and line breaks stay)."""
    return _UNSAFE.sub("", text)


def sanitize(value: Any) -> Any:
    """A copy of a JSON value with every string and key sanitised; iterative, so no depth limit."""
    root = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = sanitize_text(item)
        elif isinstance(item, dict):
            copied = {sanitize_text(str(k)): v for k, v in item.items()}
            container[key] = copied
            stack.extend((copied, k) for k in copied)
        elif isinstance(item, list):
            items = list(item)
            container[key] = items
            stack.extend((items, i) for i in range(len(items)))
    return root[0]


# --- the schema ------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Text a person can read: checked."""


@dataclass(frozen=True)
class Opaque:
    """A value with no text to check. `bound_to` names a sibling text field that the value
    describes exactly; it is dropped when that text changes."""

    bound_to: str | None = None


@dataclass(frozen=True)
class Obj:
    """An object with known fields; any other field is dropped."""

    fields: Mapping[str, Node]


@dataclass(frozen=True)
class ListOf:
    """A list of `item`s; `bound_to` as for `Opaque`. In a stream, an item delta merges into
    the item with its `index` (`grows="index"`), into the last item of its type
    (`grows="last"`), or is a whole new item (None)."""

    item: Node
    bound_to: str | None = None
    grows: Literal["index", "last"] | None = None


@dataclass(frozen=True)
class Tagged:
    """An object whose `type` picks its fields (a content part, a thinking block)."""

    variants: Mapping[str, Obj]
    default: str | None = None


@dataclass(frozen=True)
class Content:
    """`content`: a string, or a list of text and refusal parts. Its text is the reply, the
    only place where a check's insertion (a required footer) belongs.

    A list is read with all its text parts merged into one text part and all its refusal
    parts into one refusal part, because a client joins them: a value split across parts
    must reach the checks whole.
    """


Node = Text | Opaque | Obj | ListOf | Tagged | Content

TEXT = Text()
OPAQUE = Opaque()

THINKING_BLOCK = Tagged({
    "thinking": Obj({"type": OPAQUE, "thinking": TEXT, "signature": Opaque(bound_to="thinking"),
                     "cache_control": OPAQUE, "index": OPAQUE}),
    # Ciphertext only the provider can read; passed back to it on the next turn.
    "redacted_thinking": Obj({"type": OPAQUE, "data": OPAQUE, "cache_control": OPAQUE, "index": OPAQUE}),
})
FUNCTION_CALL = Obj({"name": TEXT, "arguments": TEXT})
TOOL_CALL = Tagged({
    "function": Obj({"id": OPAQUE, "type": OPAQUE, "index": OPAQUE, "function": FUNCTION_CALL}),
    "custom": Obj({"id": OPAQUE, "type": OPAQUE, "index": OPAQUE, "custom": Obj({"name": TEXT, "input": TEXT})}),
}, default="function")
ANNOTATION = Tagged({
    "url_citation": Obj({"type": OPAQUE, "url_citation": Obj({
        "start_index": OPAQUE, "end_index": OPAQUE, "title": TEXT, "url": TEXT})}),
})
REASONING_ITEM = Tagged({
    "reasoning": Obj({"type": OPAQUE, "id": OPAQUE, "encrypted_content": OPAQUE,
                      "summary": ListOf(Tagged({"summary_text": Obj({"type": OPAQUE, "text": TEXT})}))}),
})
REASONING: dict[str, Node] = {"reasoning_content": TEXT, "reasoning": TEXT,
                               "thinking_blocks": ListOf(THINKING_BLOCK, grows="last")}

MESSAGE = Obj({
    "role": OPAQUE,
    "content": Content(),
    "refusal": TEXT,
    **REASONING,
    "reasoning_items": ListOf(REASONING_ITEM),
    "tool_calls": ListOf(TOOL_CALL, grows="index"),
    "function_call": FUNCTION_CALL,
    # The spoken audio says the transcript: it cannot be checked, only dropped with it.
    "audio": Obj({"id": OPAQUE, "expires_at": OPAQUE, "transcript": TEXT, "data": Opaque(bound_to="transcript")}),
    "annotations": ListOf(ANNOTATION, bound_to="content"),
    # Where litellm puts message fields it does not model (e.g. `reasoning` from vLLM).
    "provider_specific_fields": Obj({**REASONING, "refusal": TEXT}),
})
TOKEN = Obj({"token": OPAQUE, "logprob": OPAQUE, "bytes": OPAQUE, "top_logprobs": OPAQUE})
LOGPROBS = Obj({"content": ListOf(TOKEN), "refusal": ListOf(TOKEN)})
# The message texts a stream releases as they grow (`proxy.stream`); the rest are sent whole.
STREAMED = ("content", "refusal", "reasoning_content", "reasoning")
# Choice fields besides `message` and `logprobs`, which are read on their own.
CHOICE = Obj({"index": OPAQUE, "finish_reason": OPAQUE,
              "provider_specific_fields": Obj({"native_finish_reason": OPAQUE})})
# Top-level fields besides `choices`.
RESPONSE = Obj({"id": OPAQUE, "object": OPAQUE, "created": OPAQUE, "model": OPAQUE, "usage": OPAQUE,
                "system_fingerprint": OPAQUE, "service_tier": OPAQUE})


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One text the app can read, where it sits, and whether it is the reply text."""

    path: Path
    text: str
    reply: bool = False

    @property
    def location(self) -> str:
        return location(self.path)


@dataclass(frozen=True)
class Dropped:
    """A field left out of what the app receives: its path and why (never its value)."""

    path: Path
    rule: str  # unknown_field | unexpected_type

    def finding(self) -> Finding:
        where = location(self.path)
        reason = "is not a field loopguard checks" if self.rule == "unknown_field" else "has a shape loopguard cannot check"
        return Finding(check="fields", rule=self.rule, severity="low", action="fix", location=where,
                       message=f"dropped '{where}': it {reason}")


@dataclass
class Reading:
    """What `read` found: the known part of a value, its texts, its bound values, its drops."""

    value: Any = None
    segments: list[Segment] = field(default_factory=list)
    bound: list[tuple[Path, Path]] = field(default_factory=list)  # (value path, text path it describes)
    dropped: list[Dropped] = field(default_factory=list)


_MISSING = object()


def location(path: Path) -> str:
    """`("tool_calls", 0, "function", "name")` -> `tool_calls[0].function.name`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read(value: Any, node: Node, prefix: Path = ()) -> Reading:
    """The known part of an (already sanitised) `value` under `node`, with what it holds."""
    reading = Reading()
    result = _walk(value, node, prefix, reading)
    reading.value = None if result is _MISSING else result
    return reading


def read_message(message: Any) -> Reading:
    return read(message, MESSAGE)


def read_choice_fields(choice: Mapping[str, Any]) -> Reading:
    """A choice's own fields (not its message or logprobs), located under `choice.`."""
    rest = {k: v for k, v in choice.items() if k not in ("message", "logprobs")}
    return read(rest, CHOICE, ("choice",))


def read_response_fields(response: Mapping[str, Any]) -> Reading:
    """A response's top-level fields (not its choices), located under `response.`."""
    rest = {k: v for k, v in response.items() if k != "choices"}
    return read(rest, RESPONSE, ("response",))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _walk(value: Any, node: Node, path: Path, out: Reading) -> Any:
    if value is None:
        return None
    if isinstance(node, Opaque):
        return value
    if isinstance(node, Text):
        if not isinstance(value, str):
            return _drop(path, "unexpected_type", out)
        out.segments.append(Segment(path, value))
        return value
    if isinstance(node, Content):
        return _walk_content(value, path, out)
    if isinstance(node, ListOf):
        if not isinstance(value, list):
            return _drop(path, "unexpected_type", out)
        items: list[Any] = []
        for item in value:
            walked = _walk(item, node.item, (*path, len(items)), out)
            if walked is not _MISSING:
                items.append(walked)
        return items
    if isinstance(node, Tagged):
        kind = value.get("type", node.default) if isinstance(value, dict) else None
        if not isinstance(kind, str) or kind not in node.variants:
            return _drop(path, "unexpected_type", out)
        return _walk(value, node.variants[kind], path, out)
    return _walk_object(value, node, path, out)


def _walk_object(value: Any, node: Obj, path: Path, out: Reading) -> Any:
    if not isinstance(value, dict):
        return _drop(path, "unexpected_type", out)
    kept: dict[str, Any] = {}
    for key, item in value.items():
        child = node.fields.get(key)
        if child is None:
            if not _empty(item):
                _drop((*path, str(key)[:_MAX_NAME]), "unknown_field", out)
            continue
        walked = _walk(item, child, (*path, key), out)
        if walked is _MISSING or walked == {}:
            continue
        kept[key] = walked
        bound_to = getattr(child, "bound_to", None)
        if bound_to is not None:
            out.bound.append(((*path, key), (*path, bound_to)))
    return kept


def _walk_content(value: Any, path: Path, out: Reading) -> Any:
    if isinstance(value, str):
        out.segments.append(Segment(path, value, reply=True))
        return value
    if not isinstance(value, list):
        return _drop(path, "unexpected_type", out)
    texts: list[str] = []
    refusals: list[str] = []
    for i, part in enumerate(value):
        kind = part.get("type") if isinstance(part, dict) else None
        text = part.get(kind) if isinstance(part, dict) and kind in ("text", "refusal") else None
        if not isinstance(text, str):
            _drop((*path, i), "unexpected_type", out)
            continue
        (texts if kind == "text" else refusals).append(text)
        for key, item in part.items():
            if key not in ("type", kind) and not _empty(item):
                _drop((*path, i, str(key)[:_MAX_NAME]), "unknown_field", out)
    parts: list[dict[str, str]] = []
    for kind, pieces in (("text", texts), ("refusal", refusals)):
        if pieces:
            joined = "".join(pieces)
            out.segments.append(Segment((*path, len(parts), kind), joined, reply=kind == "text"))
            parts.append({"type": kind, kind: joined})
    return parts


def _drop(path: Path, rule: str, out: Reading) -> Any:
    out.dropped.append(Dropped(path, rule))
    return _MISSING


# --- assembling a stream -------------------------------------------------------------------


def merge_delta(target: dict[str, Any], delta: Mapping[str, Any], node: Node = MESSAGE) -> None:
    """Adds a (sanitised) stream delta to `target`, the value assembled so far under `node`.

    Fields the schema does not know are kept as they come (the last value wins), so that
    reading the assembled value drops and notes them like any other unknown field."""
    fields = node.fields if isinstance(node, Obj) else {}
    for key, value in delta.items():
        if value is None:
            continue
        child = fields.get(key)
        current = target.get(key)
        if isinstance(value, str) and isinstance(current, str) and isinstance(child, Text | Content):
            target[key] = current + value
        elif isinstance(value, list) and isinstance(current, list):
            _merge_items(current, value, child.grows if isinstance(child, ListOf) else None,
                         child.item if isinstance(child, ListOf) else OPAQUE)
        elif isinstance(value, dict) and isinstance(current, dict) and child is not None:
            merge_delta(current, value, _variant(child, current))
        else:
            target[key] = copy.deepcopy(value)


def _merge_items(items: list[Any], deltas: list[Any], grows: str | None, node: Node) -> None:
    for delta in deltas:
        if not isinstance(delta, dict) or grows is None:
            items.append(copy.deepcopy(delta))
            continue
        if grows == "index":
            match = next((i for i in items if isinstance(i, dict) and i.get("index") == delta.get("index")), None)
        else:
            last = items[-1] if items else None
            match = last if isinstance(last, dict) and last.get("type") == delta.get("type") else None
        if match is None:
            items.append(copy.deepcopy(delta))
        else:
            merge_delta(match, delta, _variant(node, match))


def _variant(node: Node, value: dict[str, Any]) -> Node:
    """The object schema a (tagged) value follows, for merging into it."""
    if isinstance(node, Tagged):
        kind = value.get("type", node.default)
        return node.variants.get(kind, OPAQUE) if isinstance(kind, str) else OPAQUE
    return node


# --- writing back, dropping stale values -------------------------------------------------


def write(target: Any, path: Path, text: str) -> None:
    """Sets the text at `path` inside `target` (a value `read` returned)."""
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = text


def drop_stale(target: Any, bound: list[tuple[Path, Path]], changed: set[Path]) -> None:
    """Removes each bound value whose text (or any text under it) was changed."""
    for value_path, text_path in bound:
        if any(p[: len(text_path)] == text_path for p in changed):
            parent = target
            for part in value_path[:-1]:
                parent = parent[part]
            parent.pop(value_path[-1], None)


def kept_logprobs(logprobs: Any, message: Mapping[str, Any], fixed: Mapping[str, Any]) -> tuple[Any, list[Dropped]]:
    """The token logprobs the app may see, and what was dropped as an unexpected shape.

    A token list is kept only when its tokens spell the checked text exactly and that text
    was not changed; otherwise it would carry the original text past the fix. Alternative
    tokens (`top_logprobs`) are text the model did not write and no check read: only the
    chosen token's own entry stays.
    """
    reading = read(logprobs, LOGPROBS, ("logprobs",))
    if not isinstance(reading.value, dict):
        return None, reading.dropped
    kept: dict[str, Any] = {}
    for key, tokens in reading.value.items():
        text = message.get(key)
        if tokens is None or not isinstance(text, str) or fixed.get(key) != text:
            continue
        if all(_token_is_sound(t) for t in tokens) and "".join(t["token"] for t in tokens) == text:
            kept[key] = [_only_chosen(t) for t in tokens]
    return kept or None, reading.dropped


def _token_is_sound(token: Mapping[str, Any]) -> bool:
    text = token.get("token")
    raw = token.get("bytes")
    return isinstance(text, str) and (raw is None or raw == list(text.encode("utf-8")))


def _only_chosen(token: Mapping[str, Any]) -> dict[str, Any]:
    top = token.get("top_logprobs")
    chosen = [t for t in top if isinstance(t, dict) and t.get("token") == token["token"]] if isinstance(top, list) else []
    return {**token, "top_logprobs": [{k: t[k] for k in ("token", "logprob", "bytes") if k in t} for t in chosen]}
