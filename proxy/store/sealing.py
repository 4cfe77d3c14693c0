"""How raw model outputs are kept: a policy's `store_raw`.

A candidate row holds the raw message, the guarded one (`fixed`) and its findings, each with
the text it matched. `clear` keeps all of it (reviewers read the raw output). `masked` keeps
only the guarded message and findings without their text: no raw output is ever written.
`encrypted` keeps the raw message and the matched texts sealed with Fernet (AES-128-CBC +
HMAC, `cryptography`) under the key in $LOOPGUARD_DATA_KEY; the store opens them as it reads
(`Sealer.reveal`), so reviewers still see raw outputs while a copy of the database shows none.
Without the key a sealed output reads as a notice, never as an error. The interaction's
flat `findings` list loses its matched texts under `masked` and `encrypted` alike.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "LOOPGUARD_DATA_KEY"
SEALED = "sealed"
StoreRaw = Literal["clear", "masked", "encrypted"]
UNREADABLE = {"role": "assistant", "content": f"[raw output encrypted: set {KEY_ENV} to read it]"}


def _without_text(findings: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in f.items() if k != "text"} for f in findings or [] if isinstance(f, dict)]


class Sealer:
    """Seals and opens raw outputs with the data key (None: no key configured)."""

    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(key.encode()) if key else None

    @classmethod
    def from_env(cls) -> Sealer:
        return cls(os.environ.get(KEY_ENV) or None)

    @property
    def has_key(self) -> bool:
        return self._fernet is not None

    def protect(self, columns: dict[str, Any], mode: StoreRaw) -> dict[str, Any]:
        """The interaction columns as `mode` allows them to be written."""
        if mode == "clear" or "candidates" not in columns:
            return columns
        protected = [self._candidate(c, mode) for c in columns["candidates"]]
        return {**columns, "candidates": protected, "findings": _without_text(columns.get("findings"))}

    def _candidate(self, stored: dict[str, Any], mode: StoreRaw) -> dict[str, Any]:
        kept = {**stored, "findings": _without_text(stored.get("findings"))}
        if mode == "masked":
            return {**kept, "message": stored.get("fixed") or {}}
        if self._fernet is None:
            raise ValueError(f"store_raw: encrypted needs a key in ${KEY_ENV}")
        secret = json.dumps({"message": stored.get("message"), "findings": stored.get("findings")})
        kept.pop("message", None)
        return {**kept, SEALED: self._fernet.encrypt(secret.encode()).decode()}

    def reveal(self, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Candidates as read: sealed ones opened (or shown as unreadable without the key)."""
        return [self._open(c) if SEALED in c else c for c in candidates]

    def _open(self, stored: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in stored.items() if k != SEALED}
        try:
            if self._fernet is None:
                raise InvalidToken
            opened = json.loads(self._fernet.decrypt(stored[SEALED].encode()))
        except InvalidToken:
            return {**rest, "message": UNREADABLE}
        return {**rest, "message": opened["message"], "findings": opened["findings"]}
