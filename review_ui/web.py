"""What every HTML route of the review UI shares: who is signed in, rendering a template
with the signed-in context, and where to send someone who is not signed in.

Errors are negotiated (`proxy.http.errors.negotiated`): a page that renders `error.html`, and every
error raised under /review, is a readable page for a browser and OpenAI's error shape for
anything else (a script, a monitor); both carry the request id, neither a traceback."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from proxy.gateway import Gateway
from proxy.http.errors import error_response, wants_page
from proxy.http.request_log import current_request_id
from review_ui.accounts import sessions
from review_ui.accounts.access import Viewer, viewer_for

LOGIN = "/review/login"
HOME = "/review"


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with the sign-in page."""

    def __init__(self, next_url: str, expired: bool) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


def gateway(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gateway
    return gw


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def safe_next(value: str | None) -> str:
    """Only a path inside the review UI: never another site (no scheme, host or `//`)."""
    if not value:
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith(HOME) or value.startswith("//") or "\\" in value:
        return HOME
    return value


def login_url(next_url: str, expired: bool = False) -> str:
    return f"{LOGIN}?next={quote(safe_next(next_url), safe='')}" + ("&expired=1" if expired else "")


async def signed_in(request: Request) -> tuple[Viewer, sessions.Current]:
    gw = gateway(request)
    current, expired = await run_in_threadpool(sessions.current, gw.store, gw.settings, request)
    if current is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(here, expired)
    viewer = await run_in_threadpool(viewer_for, gw.store, current.user)
    return viewer, current


async def answer_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = login_url(exc.next_url, exc.expired)
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def redirect(request: Request, url: str) -> Response:
    """A redirect that htmx follows as a full page load too."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


ERROR_PAGE = "error.html"
ERROR_CODES = {400: "invalid_request", 401: "unauthorized", 403: "permission_denied", 404: "not_found",
               409: "conflict", 429: "rate_limited", 503: "unavailable"}


def error_page(request: Request, status: int, message: str) -> Response:
    """The readable error page (`proxy.http.errors.ErrorPage`, installed as `app.state.error_page`)."""
    return render(request, ERROR_PAGE, {"status": status, "message": message}, status=status)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200,
           current: sessions.Current | None = None, viewer: Viewer | None = None,
           csp: str | None = None) -> Response:
    """The template as a page; the error page only for a browser (`proxy.http.errors.wants_page`),
    anything else gets its message in OpenAI's error shape."""
    if name == ERROR_PAGE and not wants_page(request):
        return error_response(status, str(context.get("message", "")), ERROR_CODES.get(status, "error"))
    templates = request.app.state.templates
    base = {"viewer": viewer, "csrf": current.csrf if current else "", "embed": False, "path": request.url.path,
            "request_id": current_request_id.get()}
    response: HTMLResponse = templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
    if csp:
        response.headers["Content-Security-Policy"] = csp
    return response
