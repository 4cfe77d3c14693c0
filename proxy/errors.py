"""Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with the right status."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 409: "conflict_error", 413: "invalid_request_error",
    429: "rate_limit_error", 502: "upstream_error", 503: "service_unavailable", 504: "timeout_error",
}


class ApiError(Exception):
    """An error the client should see, with a message that says what to fix."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.details = details or {}  # extra keys of the error object (e.g. the findings behind a 409)


def error_body(status: int, message: str, code: str, param: str | None = None,
               details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "api_error"), "param": param, "code": code,
                      **(details or {})}}


def error_response(status: int, message: str, code: str, param: str | None = None,
                   details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, param, details), status_code=status)


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.code, exc.param, exc.details)


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
    return error_response(exc.status_code, str(exc.detail), "http_error")
