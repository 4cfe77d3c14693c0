"""Request size limit as ASGI middleware: an oversized body is refused with 413 before the
app sees any of it, whether the client declared its length or streamed it chunked. A JSON
body must also keep within `proxy.http.json_input`'s depth and number limits, whatever the route,
so no route's parser ever sees a 10,000-deep document (refused with 400)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proxy.http.errors import ApiError, error_body
from proxy.http.json_input import loads


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        body = await self._read_limited(receive)
        if body is None:
            await self._refuse(send)
            return
        if body and b"json" in dict(scope.get("headers") or []).get(b"content-type", b""):
            try:
                loads(body)
            except ApiError as exc:
                if exc.code != "invalid_json":  # plain syntax errors stay the route's to report
                    await _send_error(send, exc.status, error_body(exc.status, exc.message, exc.code))
                    return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: disconnect notices

        await self.app(scope, replay, send)

    async def _read_limited(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, send: Send) -> None:
        await _send_error(send, 413, error_body(
            413, f"Request body is larger than the limit of {self.max_bytes} bytes (max_body_bytes).",
            "request_too_large"))


async def _send_error(send: Send, status: int, error: dict[str, object]) -> None:
    body = json.dumps(error).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
