"""A provider's failure as the app should see it, in loopguard's error shape.

The provider's own message at most: never litellm's text, which may carry a traceback or file
paths (that goes to the log); a provider 429 stays a 429 with its `retry-after`.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from proxy.http.errors import ApiError

log = logging.getLogger("loopguard.upstream")
_UNSAFE_DETAIL = re.compile(r"Traceback|File \"|\.py\b|/[\w.-]+/[\w.-]+")


def timed_out() -> ApiError:
    return ApiError(504, "The upstream model did not answer in time.", "upstream_timeout")


def failed(said: str = "") -> ApiError:
    return ApiError(502, f"The upstream provider failed{said}.", "upstream_error")


def map_litellm_error(exceptions: Any, exc: Exception) -> ApiError:
    """A litellm exception (`exceptions` is `litellm.exceptions`) as the ApiError the app gets."""
    log.warning("upstream call failed: %s (status %s)", type(exc).__name__, getattr(exc, "status_code", None))
    said = provider_message(getattr(exc, "body", None))
    if isinstance(exc, exceptions.Timeout):
        return timed_out()
    if isinstance(exc, exceptions.RateLimitError):
        retry = _retry_after(exc)
        return ApiError(429, f"The upstream provider is rate limiting{said}. Retry after {retry} s.",
                        "upstream_rate_limited", headers={"retry-after": retry})
    if isinstance(exc, exceptions.BadRequestError):
        return ApiError(400, f"The upstream provider rejected the request{said}.", "upstream_bad_request")
    if isinstance(exc, (exceptions.AuthenticationError, exceptions.PermissionDeniedError)):
        return ApiError(502, "The upstream provider refused loopguard's credentials; check the model_list api_key.",
                        "upstream_auth_failed")
    return failed(said)


def provider_message(body: Any) -> str:
    """': <the provider's error message>' when its error body has one that is short and carries
    no traceback or path; '' otherwise."""
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    first_line = message.strip().splitlines()[0][:300]
    return "" if _UNSAFE_DETAIL.search(first_line) else f": {first_line}"


def _retry_after(exc: Exception) -> str:
    """The provider's retry-after in whole seconds (1 when it gave none or an HTTP date)."""
    headers = getattr(exc, "litellm_response_headers", None) or getattr(getattr(exc, "response", None), "headers", None)
    value = str((headers or {}).get("retry-after") or "")
    try:
        return str(max(1, math.ceil(float(value))))
    except ValueError:
        return "1"
