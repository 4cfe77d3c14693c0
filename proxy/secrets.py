"""App keys and user tokens: random, shown once, stored only as SHA-256 digests.

Both are 256-bit random values, so a fast digest is safe (there is nothing to brute-force)
and lets a lookup by hash stay a single indexed query.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "lg-"
TOKEN_PREFIX = "lgu-"


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """Enough of a key to recognise it in a list, never enough to use it."""
    return secret[:10]
