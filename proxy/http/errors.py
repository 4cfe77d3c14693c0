"""Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with the right status.

Every error any route can produce leaves in this shape, with a message safe to show: an
unexpected exception is a 500 that names only the request id (its traceback goes to the log
under that id), an unreachable database a 503, a path or method the server does not have a
404 or 405.

The one exception is a person: a browser (`Accept: text/html`) asking for a review UI page
gets the same error as a readable page (`ErrorPage`, installed by the review UI as
`app.state.error_page`), with the same message and request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from proxy.http.request_log import current_request_id

log = logging.getLogger("loopguard.errors")

_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 409: "conflict_error", 413: "invalid_request_error",
    429: "rate_limit_error", 502: "upstream_error", 503: "service_unavailable", 504: "timeout_error",
}


PAGES = "/review"  # the review UI's pages: the paths whose errors a browser may get as a page
ErrorPage = Callable[[Request, int, str], Response]  # (request, status, safe message) -> an HTML page


class ApiError(Exception):
    """An error the client should see, with a message that says what to fix."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None,
                 details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.details = details or {}  # extra keys of the error object (e.g. the findings behind a 409)
        self.headers = headers or {}  # e.g. retry-after on a 429


def error_body(status: int, message: str, code: str, param: str | None = None,
               details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "api_error"), "param": param, "code": code,
                      **(details or {})}}


def error_response(status: int, message: str, code: str, param: str | None = None,
                   details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, param, details), status_code=status, headers=headers)


def wants_page(request: Request) -> bool:
    """A browser asking for a review UI page (its Accept names HTML), not a program or htmx."""
    accept = request.headers.get("accept", "")
    return (request.url.path == PAGES or request.url.path.startswith(PAGES + "/")) and "text/html" in accept \
        and request.headers.get("hx-request") != "true"


def negotiated(request: Request, status: int, message: str, code: str, param: str | None = None,
               details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    """The error as a page for a browser on the review UI (`wants_page`), else in OpenAI's shape."""
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if page is not None and wants_page(request):
        response = page(request, status, message)
        response.headers.update(headers or {})
        return response
    return error_response(status, message, code, param, details, headers)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return negotiated(request, exc.status, exc.message, exc.code, exc.param, exc.details, exc.headers)


def internal_error_message() -> str:
    return ("loopguard failed while handling this request; the details are logged under request id "
            f"{current_request_id.get() or 'unknown'}.")


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return negotiated(request, 500, internal_error_message(), "internal_error")


async def handle_database_down(request: Request, exc: Exception) -> Response:
    """The database is unreachable: refuse (nothing may pass unlogged) and say it is temporary."""
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return negotiated(request, 503, "loopguard's database is unavailable; retry shortly.", "database_unavailable",
                      headers={"Retry-After": "5"})


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", []) if p != "body"]
    param = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return negotiated(request, 400, "Request body is not valid JSON.", "invalid_json")
    message = f"Invalid value for '{param}': {first.get('msg', 'invalid')}." if param else str(first.get("msg"))
    return negotiated(request, 400, message, "invalid_request", param)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return negotiated(request, exc.status_code, str(exc.detail), codes.get(exc.status_code, "http_error"),
                      headers=dict(exc.headers or {}))
