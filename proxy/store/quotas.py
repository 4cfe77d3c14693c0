"""Per-app caps and per-key rate limits, from the app's policy (`limits:`).

Caps refuse a request that asks too much (too many messages, choices or tokens, too large a
body) with a 400 (413 for the body) naming the field. Rate limits count each API key's
requests and tokens per clock minute in the database (`RateWindow`, one upserted row per key
and minute), so every worker on a shared PostgreSQL counts against one limit. A request over
either limit is a 429 whose `retry-after` is the time to the next minute. Tokens are those the
provider reported for completed requests: a request is refused once the minute's tokens
reached the limit, so one request may overshoot it, never a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, update

from proxy.http.chat_schema import ChatRequest
from proxy.http.errors import ApiError
from proxy.store.database import Store
from proxy.store.models import RateWindow


class Limits(BaseModel):
    """A policy's `limits:`; unset means no limit beyond the server's own."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int | None = Field(None, gt=0)
    max_messages: int | None = Field(None, gt=0)
    max_n: int | None = Field(None, gt=0)
    max_tokens: int | None = Field(None, gt=0)
    requests_per_minute: int | None = Field(None, gt=0)
    tokens_per_minute: int | None = Field(None, gt=0)

    @property
    def rate_limited(self) -> bool:
        return self.requests_per_minute is not None or self.tokens_per_minute is not None


def enforce_caps(limits: Limits, chat: ChatRequest, body_bytes: int) -> None:
    if limits.max_body_bytes is not None and body_bytes > limits.max_body_bytes:
        raise ApiError(413, f"Request body is larger than this app's limit of {limits.max_body_bytes} bytes.",
                       "request_too_large")
    if limits.max_messages is not None and len(chat.messages) > limits.max_messages:
        raise ApiError(400, f"This app may send at most {limits.max_messages} messages.", "too_many_messages",
                       "messages")
    if limits.max_n is not None and (chat.n or 1) > limits.max_n:
        raise ApiError(400, f"This app may ask for at most {limits.max_n} choices (n).", "n_too_large", "n")
    for name in ("max_tokens", "max_completion_tokens"):
        asked = getattr(chat, name)
        if limits.max_tokens is not None and asked is not None and asked > limits.max_tokens:
            raise ApiError(400, f"This app may ask for at most {limits.max_tokens} tokens ({name}).",
                           "max_tokens_too_large", name)


@dataclass(frozen=True)
class Window:
    """The minute a request was counted in, to add its tokens to once known."""

    bucket: str
    minute: int


def take(store: Store, limits: Limits, bucket: str, now: float | None = None) -> Window | None:
    """Counts one request for `bucket` (a key's digest) in this minute; 429 if over a limit."""
    if not limits.rate_limited:
        return None
    now = time.time() if now is None else now
    minute = int(now // 60)
    dialect = store.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert(RateWindow).values(bucket=bucket, minute=minute, requests=1, tokens=0)
    upsert = upsert.on_conflict_do_update(index_elements=["bucket", "minute"],
                                          set_={"requests": RateWindow.requests + 1})
    with store.session() as s:
        requests, tokens = s.exec(upsert.returning(RateWindow.requests, RateWindow.tokens)).one()  # type: ignore[call-overload]
        s.commit()
    retry = str(max(1, 60 - int(now % 60)))
    if limits.requests_per_minute is not None and requests > limits.requests_per_minute:
        raise ApiError(429, f"Rate limit reached: {limits.requests_per_minute} requests per minute for this key. "
                            f"Retry after {retry} s.", "rate_limited", headers={"retry-after": retry})
    if limits.tokens_per_minute is not None and tokens >= limits.tokens_per_minute:
        raise ApiError(429, f"Rate limit reached: {limits.tokens_per_minute} tokens per minute for this key. "
                            f"Retry after {retry} s.", "rate_limited", headers={"retry-after": retry})
    return Window(bucket, minute)


def add_tokens(store: Store, window: Window, tokens: int) -> None:
    if tokens <= 0:
        return
    with store.session() as s:
        s.exec(update(RateWindow).where(col(RateWindow.bucket) == window.bucket, col(RateWindow.minute) == window.minute)
               .values(tokens=RateWindow.tokens + tokens))
        s.commit()
