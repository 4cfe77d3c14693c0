"""Calls providers through litellm's Router, configured with LiteLLM's own `model_list`.

litellm is imported lazily, after `LITELLM_LOCAL_MODEL_COST_MAP` is set, so it never
fetches its cost map; its exceptions are mapped to the statuses an OpenAI client expects.

A streamed completion (`stream`) yields plain chunk dicts. It always asks for usage (the
interaction records it; the app sees it only if it asked), and a chunk that does not come
within `upstream_timeout_s` of the previous one ends it as a stalled upstream.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from proxy.config import Settings
from proxy.errors import ApiError

# Request fields loopguard consumes and does not forward.
LOCAL_FIELDS = frozenset({"stream", "stream_options", "metadata"})


def import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
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
        ex = self.litellm.exceptions
        message = _short(exc)
        if isinstance(exc, ex.Timeout):
            return ApiError(504, f"The upstream model did not answer in time: {message}", "upstream_timeout")
        if isinstance(exc, ex.RateLimitError):
            return ApiError(429, f"The upstream provider is rate limiting: {message}", "upstream_rate_limited")
        if isinstance(exc, ex.BadRequestError):
            return ApiError(400, f"The upstream provider rejected the request: {message}", "upstream_bad_request")
        if isinstance(exc, (ex.AuthenticationError, ex.PermissionDeniedError)):
            return ApiError(502, "The upstream provider refused loopguard's credentials; check the model_list api_key.",
                            "upstream_auth_failed")
        return ApiError(502, f"The upstream provider failed: {message}", "upstream_error")


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text if len(text) <= 300 else text[:300] + "..."


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
