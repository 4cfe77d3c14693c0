"""Secrets are compared in constant time: no `==` or `!=` in proxy/ or review_ui/ has a key,
token, password, CSRF value, signature or secret hash on either side. Such values go through
`hmac.compare_digest` or the password hasher's `verify`.

Two kinds of comparison are not secret comparisons and are told apart by their shape, not by
file: a database lookup by the SHA-256 digest of a 256-bit random key (`Model.key_hash ==
digest(key)`: the index finds the row; the digest gives away nothing of the key), and the
listed ones below, each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET_NAME = re.compile(r"token|secret|password|passwd|csrf|signature|api_?key$|key_hash|_hash$|^hash$|salt|hmac",
                         re.IGNORECASE)
NOT_SECRETS = {
    # a model's logprob tokens (pieces of generated text), not credentials
    ("proxy/fields.py", "''.join((t['token'] for t in tokens)) == text"),
    ("proxy/fields.py", "t.get('token') == token['token']"),
    # the audit log's hash chain: public integrity hashes, checked offline by `loopguard audit verify`
    ("proxy/store/database.py", "e.prev_hash != prev"),
    ("proxy/store/database.py", "e.hash != _chain_hash(prev, e.at, e.actor, e.action, e.subject, e.details)"),
}


def _names(node: ast.expr) -> list[str]:
    """The names an operand reads: variables, the last attribute of a chain, subscripted keys."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Subscript):
        key = node.slice
        return _names(node.value) + ([key.value] if isinstance(key, ast.Constant) and isinstance(key.value, str) else [])
    if isinstance(node, ast.Call):
        return [name for arg in node.args for name in _names(arg)] + _names(node.func)
    return [name for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr) for name in _names(child)]


def _digest_lookup(operands: list[ast.expr]) -> bool:
    return any(isinstance(o, ast.Call) and isinstance(o.func, ast.Name) and o.func.id == "digest" for o in operands)


def secret_comparisons(source: str) -> list[str]:
    """Every `==`/`!=` in `source` with a secret-named operand, unparsed."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare) or not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        if _digest_lookup(operands):
            continue
        if any(SECRET_NAME.search(name) for o in operands for name in _names(o)):
            found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize(("source", "expected"), [
    ("ok = sent == session.csrf", ["sent == session.csrf"]),
    ("if request.headers['x-signature'] != expected: pass", ["request.headers['x-signature'] != expected"]),
    ("same = user.password_hash == hashed", ["user.password_hash == hashed"]),
    ("valid = token == stored", ["token == stored"]),
    ("found = select(User).where(User.token_hash == digest(token))", []),
    ("ok = hmac.compare_digest(sent.encode(), current.csrf.encode())", []),
    ("same = ApiKey.app_id == App.id", []),
])
def test_the_scan_finds_secret_comparisons(source: str, expected: list[str]) -> None:
    assert secret_comparisons(source) == expected


def test_no_secret_is_compared_with_eq_anywhere_in_the_server() -> None:
    offending = []
    for path in sorted([*ROOT.joinpath("proxy").rglob("*.py"), *ROOT.joinpath("review_ui").rglob("*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        offending += [(relative, c) for c in secret_comparisons(path.read_text()) if (relative, c) not in NOT_SECRETS]
    assert offending == []


def test_the_places_that_compare_secrets_do_it_in_constant_time() -> None:
    sessions = (ROOT / "review_ui/accounts/sessions.py").read_text()
    assert sessions.count("hmac.compare_digest(") >= 2  # the CSRF token, from the form and the cookie
    assert "ph.verify(" in (ROOT / "review_ui/accounts/auth.py").read_text()  # argon2's own comparison
