"""Structured text: a JSON object or array (tool-call arguments arrive as a JSON string)
walked field by field, so `{"discount_percent": 35}` is read as a 35% discount.

The walk is iterative and depth-limited: a document nested deeper than MAX_DEPTH, or one
the JSON parser itself refuses as too deep, is reported as unreadable so the caller can
fail closed; it is never skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


class TooDeep(Exception):
    """The structure is nested deeper than can be checked."""


@dataclass(frozen=True)
class Field:
    """A scalar of the document: its key, the keys above it, and the object that holds it."""

    key: str
    path: tuple[str, ...]
    value: Any
    siblings: dict[str, Any]


def load(text: str) -> Any | None:
    """The JSON document `text` holds (object or array), or None when it is not one.

    Raises TooDeep when the parser gives up on nesting."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        data = json.loads(stripped)
    except RecursionError as exc:
        raise TooDeep("JSON nested too deeply to parse") from exc
    except ValueError:
        return None
    return data if isinstance(data, dict | list) else None


def fields(data: Any) -> list[Field]:
    """Every scalar field of `data`, depth first, without recursion."""
    out: list[Field] = []
    stack: list[tuple[Any, tuple[str, ...], int]] = [(data, (), 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        items = list(node.items()) if isinstance(node, dict) else [(path[-1] if path else "", v) for v in node]
        siblings = node if isinstance(node, dict) else {}
        for key, value in reversed(items):
            if isinstance(value, dict | list):
                stack.append((value, (*path, str(key)), depth + 1))
            else:
                out.append(Field(str(key), path, value, siblings))
    out.reverse()
    return out


_PAIR = re.compile(r'"(?P<key>[^"\\]{1,80})"\s*:\s*(?P<value>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"(?:[^"\\]|\\.){0,200}")')


def loose_fields(text: str) -> list[Field]:
    """The `"key": value` pairs of JSON-looking text that does not parse (a truncated tool
    call), so a broken document is still read field by field; nesting is unknown."""
    if not text.lstrip().startswith(("{", "[")):
        return []
    out = []
    for m in _PAIR.finditer(text):
        raw = m.group("value")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            continue
        out.append(Field(m.group("key"), (), value, {}))
    return out


def key_words(key: str) -> list[str]:
    """"discount_percent", "discountPercent", "Discount %" -> ["discount", "percent"]."""
    words = [w.lower() for w in _WORD.findall(key.replace("%", " percent "))]
    return [w for w in words if not w.isdigit()]


def locate(raw: str, key: str, value: Any, cursor: int) -> tuple[int, int] | None:
    """Where `"key": value` is written in `raw` at or after `cursor` (value span), if found."""
    encoded = re.escape(json.dumps(value)) if not isinstance(value, float) else r"-?[\d.eE+-]+"
    match = re.compile(rf'"{re.escape(key)}"\s*:\s*(?P<v>{encoded})').search(raw, cursor)
    if not match:
        return None
    return match.start("v"), match.end("v")
