"""Security headers for the review UI, as ASGI middleware.

Every response under /review gets a Content-Security-Policy that allows only this
origin's scripts and styles (no inline script or style, so an injected tag does nothing),
`frame-ancestors 'none'`, nosniff and a same-origin referrer; pages are not cached. A page
may set its own CSP first: the embed view does, with the frame ancestors an admin allowed
for the item's app (`frame_policy`).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/review"
STATIC = "/review/static/"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}")


def frame_policy(origins: list[str]) -> str:
    """The CSP for a page that these origins (and no other) may frame."""
    return CSP.format(ancestors=" ".join(origins) if origins else "'none'")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith(STATIC)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = frame_policy([])
                    headers["X-Frame-Options"] = "DENY"
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
