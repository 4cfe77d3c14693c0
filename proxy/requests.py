"""Parsing and validating what an app sends, with errors that say what to fix."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from proxy.errors import ApiError
from proxy.models import App
from proxy.store import Store


class ChatRequest(BaseModel):
    """The fields loopguard needs to understand; everything else passes through untouched."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[dict[str, Any]] = Field(min_length=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    n: int = Field(1, ge=1, le=16)
    metadata: dict[str, Any] | None = None

    @field_validator("messages")
    @classmethod
    def _roles(cls, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for i, m in enumerate(messages):
            if not isinstance(m.get("role"), str):
                raise ValueError(f"messages[{i}] needs a 'role' (system, user, assistant or tool)")
        return messages

    @property
    def include_usage(self) -> bool:
        return bool((self.stream_options or {}).get("include_usage"))


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate_app(request: Request, store: Store) -> App:
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "Missing API key: send your loopguard app key as 'Authorization: Bearer lg-...'.",
                       "missing_api_key")
    app = store.app_for_key(token)
    if app is None:
        raise ApiError(401, "Invalid or revoked API key. Create one with 'loopguard keys create'.", "invalid_api_key")
    return app


def parse_chat_request(raw: bytes, known_models: list[str]) -> ChatRequest:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"Request body is not valid JSON: {exc}.", "invalid_json") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object.", "invalid_request")
    try:
        chat = ChatRequest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        param = ".".join(str(p) for p in err["loc"])
        raise ApiError(400, f"Invalid value for '{param}': {err['msg']}.", "invalid_request", param) from exc
    if chat.model not in known_models:
        raise ApiError(404, f"The model '{chat.model}' does not exist here. Available: {', '.join(known_models)}.",
                       "model_not_found", "model")
    return chat
