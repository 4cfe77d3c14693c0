"""Calls providers through litellm's Router, configured with LiteLLM's own `model_list`.

litellm is imported lazily, after `LITELLM_LOCAL_MODEL_COST_MAP` is set, so it never
fetches its cost map; its exceptions are mapped to the statuses an OpenAI client expects.

A streamed completion (`stream`) yields plain chunk dicts. It always asks for usage (the
interaction records it; the app sees it only if it asked), and a chunk that does not come
within `upstream_timeout_s` of the previous one ends it as a stalled upstream.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from proxy.config import Settings
from proxy.errors import ApiError
from proxy.request_log import adopt

log = logging.getLogger("loopguard.upstream")
# Request fields loopguard consumes and does not forward.
LOCAL_FIELDS = frozenset({"stream", "stream_options", "metadata"})


def import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    adopt("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", withhold_detail=True)
    return litellm


class Upstream:
    def __init__(self, settings: Settings) -> None:
        self.litellm = import_litellm()
        for key, value in settings.litellm_settings.items():
            setattr(self.litellm, key, value)
        router_settings = {"num_retries": 0, "timeout": settings.upstream_timeout_s} | settings.router_settings
        self.router = self.litellm.Router(model_list=settings.model_list, **router_settings)
        self.model_names = settings.model_names
        self.timeout = settings.upstream_timeout_s

    async def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed completion as a plain OpenAI-shaped dict."""
        params = {k: v for k, v in body.items() if k not in LOCAL_FIELDS}
        try:
            response = await self.router.acompletion(**params)
        except Exception as exc:
            raise self._map_error(exc) from exc
        result: dict[str, Any] = response.model_dump(exclude_none=True)
        return result

    async def stream(self, body: dict[str, Any]) -> UpstreamStream:
        """A streamed completion, opened (an upstream that refuses it raises ApiError here)."""
        params = {k: v for k, v in body.items() if k not in LOCAL_FIELDS}
        params |= {"stream": True, "stream_options": {"include_usage": True}}
        try:
            response = await self.router.acompletion(**params)
        except Exception as exc:
            raise self._map_error(exc) from exc
        return UpstreamStream(response, self.timeout, self._map_error)

    def _map_error(self, exc: Exception) -> ApiError:
        """The provider's failure as the app should see it: the provider's own message at most
        (never litellm's text, which may carry a traceback or file paths; that goes to the
        log), a provider 429 as a 429 with its `retry-after`."""
        log.warning("upstream call failed: %s (status %s)", type(exc).__name__, getattr(exc, "status_code", None))
        ex = self.litellm.exceptions
        said = _provider_message(exc)
        if isinstance(exc, ex.Timeout):
            return ApiError(504, "The upstream model did not answer in time.", "upstream_timeout")
        if isinstance(exc, ex.RateLimitError):
            retry = _retry_after(exc)
            return ApiError(429, f"The upstream provider is rate limiting{said}. Retry after {retry} s.",
                            "upstream_rate_limited", headers={"retry-after": retry})
        if isinstance(exc, ex.BadRequestError):
            return ApiError(400, f"The upstream provider rejected the request{said}.", "upstream_bad_request")
        if isinstance(exc, (ex.AuthenticationError, ex.PermissionDeniedError)):
            return ApiError(502, "The upstream provider refused loopguard's credentials; check the model_list api_key.",
                            "upstream_auth_failed")
        return ApiError(502, f"The upstream provider failed{said}.", "upstream_error")


_UNSAFE_DETAIL = re.compile(r"Traceback|File \"|\.py\b|/[\w.-]+/[\w.-]+")


def _provider_message(exc: Exception) -> str:
    """': <the provider's error message>' when it sent one that is short and carries no
    traceback or path; '' otherwise."""
    body = getattr(exc, "body", None)
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


class UpstreamStream:
    """The chunks of one streamed completion as plain dicts; a failure, a malformed event or a
    silence longer than `idle_s` raises ApiError."""

    def __init__(self, response: Any, idle_s: float, map_error: Callable[[Exception], ApiError]) -> None:
        self._response = response
        self._chunks: AsyncIterator[Any] = response.__aiter__()
        self._idle_s = idle_s
        self._map_error = map_error

    def __aiter__(self) -> UpstreamStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            chunk = await asyncio.wait_for(self._chunks.__anext__(), self._idle_s)
        except StopAsyncIteration:
            raise
        except TimeoutError as exc:
            raise ApiError(504, f"The upstream model stopped sending for {self._idle_s:g} s mid-stream.",
                           "upstream_stalled") from exc
        except Exception as exc:
            raise self._map_error(exc) from exc
        dumped: dict[str, Any] = chunk.model_dump(exclude_none=True) if hasattr(chunk, "model_dump") else dict(chunk)
        return dumped

    async def aclose(self) -> None:
        """Stops reading: closes the upstream response where litellm lets us."""
        for target in (self._chunks, self._response):
            close = getattr(target, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:  # noqa: BLE001 - closing a broken stream may fail again; nothing to do
                    pass
                return
