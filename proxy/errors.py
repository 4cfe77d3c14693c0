"""Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with the right status.

Every error any route can produce leaves in this shape, with a message safe to show: an
unexpected exception is a 500 that names only the request id (its traceback goes to the log
under that id), an unreachable database a 503, a path or method the server does not have a
404 or 405.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from proxy.request_log import current_request_id

log = logging.getLogger("loopguard.errors")

_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 409: "conflict_error", 413: "invalid_request_error",
    429: "rate_limit_error", 502: "upstream_error", 503: "service_unavailable", 504: "timeout_error",
}


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


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.code, exc.param, exc.details, exc.headers)


def internal_error_message() -> str:
    return ("loopguard failed while handling this request; the details are logged under request id "
            f"{current_request_id.get() or 'unknown'}.")


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return error_response(500, internal_error_message(), "internal_error")


async def handle_database_down(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable: refuse (nothing may pass unlogged) and say it is temporary."""
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_response(503, "loopguard's database is unavailable; retry shortly.", "database_unavailable",
                          headers={"Retry-After": "5"})


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", []) if p != "body"]
    param = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return error_response(400, "Request body is not valid JSON.", "invalid_json")
    message = f"Invalid value for '{param}': {first.get('msg', 'invalid')}." if param else str(first.get("msg"))
    return error_response(400, message, "invalid_request", param)


async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(exc.status_code, str(exc.detail), codes.get(exc.status_code, "http_error"),
                          headers=dict(exc.headers or {}))
