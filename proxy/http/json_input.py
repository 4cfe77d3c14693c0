"""Reading a client's JSON safely, and saying which field of it is wrong.

`loads` refuses what would make the parser or anything after it work without bound: nesting
deeper than MAX_DEPTH (Python's parser would recurse; a 10,000-deep body was a plain-text
500) and a number literal longer than MAX_NUMBER_CHARS (a 5,000-digit integer costs
quadratic time to convert, and no OpenAI field holds one), as well as NaN and Infinity,
which are not JSON. The limits apply to what a client sends, never to a provider's reply.

`invalid_field` turns a pydantic ValidationError into one OpenAI-style 400 whose `param` is
the field's path as the client wrote it (`messages[0].content`), without the names of the
union branches pydantic tried.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from proxy.http.errors import ApiError

MAX_DEPTH = 64
MAX_NUMBER_CHARS = 40
TOO_DEEP = f"The request body nests deeper than {MAX_DEPTH} levels."


def _number(parse: type[int] | type[float]) -> Any:
    def parse_limited(literal: str) -> int | float:
        if len(literal) > MAX_NUMBER_CHARS:
            raise ApiError(400, f"A number in the request body is longer than {MAX_NUMBER_CHARS} characters.",
                           "number_too_long")
        return parse(literal)
    return parse_limited


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not valid JSON")


def too_deep(value: Any) -> bool:
    """Whether `value` nests deeper than MAX_DEPTH (iterative, stops at the first such path)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(raw: bytes) -> Any:
    """The JSON value of a request body, within the limits; 400 otherwise."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_int=_number(int), parse_float=_number(float),
                           parse_constant=_not_json)
    except RecursionError as exc:
        raise ApiError(400, TOO_DEEP, "too_deep") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ApiError(400, f"Request body is not valid JSON: {exc}.", "invalid_json") from exc
    if too_deep(value):
        raise ApiError(400, TOO_DEEP, "too_deep")
    return value


def field_path(loc: tuple[int | str, ...], data: Any, missing: bool) -> str:
    """`loc` as the client's path: keys and indexes that exist in `data`, plus a missing
    field's name at the end; union branch labels pydantic adds are left out."""
    parts: list[str] = []
    node = data
    for i, step in enumerate(loc):
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            parts.append(f"[{step}]")
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            parts.append(("." if parts else "") + step)
            node = node[step]
        elif missing and i == len(loc) - 1 and isinstance(step, str):
            parts.append(("." if parts else "") + step)
    return "".join(parts)


def invalid_field(exc: ValidationError, data: Any) -> ApiError:
    """The most specific error: a wrong value before an unexpected field, then the deepest
    path, then a wrong value before a missing one; alternatives pydantic tried at that path
    (a string or a list...) are joined."""
    errors = [(field_path(tuple(e["loc"]), data, e["type"] == "missing"), e) for e in exc.errors()]
    path, _ = max(errors, key=lambda pe: (pe[1]["type"] != "extra_forbidden", pe[0].count(".") + pe[0].count("["),
                                          pe[1]["type"] != "missing"))
    messages = list(dict.fromkeys(str(e["msg"]) for p, e in errors if p == path))
    what = " or ".join(messages[:3])
    if not path:
        return ApiError(400, f"Invalid request: {what}.", "invalid_request")
    return ApiError(400, f"Invalid value for '{path}': {what}.", "invalid_request", path)
