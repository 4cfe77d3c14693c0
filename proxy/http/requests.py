"""Parsing and validating what an app sends, with errors that say what to fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from proxy.http.chat_schema import ChatRequest
from proxy.http.errors import ApiError
from proxy.http.json_input import invalid_field, loads
from proxy.store.database import Store
from proxy.store.models import App


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


@dataclass(frozen=True)
class ParsedChat:
    """A valid chat request: its typed view, and the body exactly as the client sent it
    (what is forwarded and stored; validation never rewrites it)."""

    request: ChatRequest
    body: dict[str, Any]


def parse_chat_request(raw: bytes, known_models: list[str]) -> ParsedChat:
    data = loads(raw)
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object.", "invalid_request")
    try:
        chat = ChatRequest.model_validate(data)
    except ValidationError as exc:
        raise invalid_field(exc, data) from exc
    if chat.model not in known_models:
        raise ApiError(404, f"The model '{chat.model}' does not exist here. Available: {', '.join(known_models)}.",
                       "model_not_found", "model")
    return ParsedChat(chat, data)
