"""Calls providers as LiteLLM's own `model_list` configures them.

Two ways, one behaviour: a model name with a single OpenAI-compatible deployment and nothing
else configured is called directly over a pooled HTTP client (`proxy.upstream.direct`, a
fraction of the Router's cost); every other model name, every request the direct path does not
forward as it is, and every failed direct attempt go through litellm's Router as before.

litellm is imported lazily, after `LITELLM_LOCAL_MODEL_COST_MAP` is set, so it never
fetches its cost map; its exceptions are mapped to the statuses an OpenAI client expects
(`proxy.upstream.errors`).

A streamed completion (`stream`) yields plain chunk dicts. It always asks for usage (the
interaction records it; the app sees it only if it asked), and a chunk that does not come
within the timeout of the previous one ends it as a stalled upstream.
"""

from __future__ import annotations

import os
from typing import Any

from proxy.config import Settings
from proxy.http.errors import ApiError
from proxy.http.request_log import adopt
from proxy.upstream.direct import DirectClient, check_route, direct_routes
from proxy.upstream.errors import map_litellm_error
from proxy.upstream.stream import Chunks, RoutedStream

__all__ = ["LOCAL_FIELDS", "Chunks", "RoutedStream", "Upstream", "import_litellm"]

# Request fields loopguard consumes and does not forward.
LOCAL_FIELDS = frozenset({"stream", "stream_options", "metadata"})
STREAM_FIELDS = {"stream": True, "stream_options": {"include_usage": True}}


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
        self.direct = DirectClient(direct_routes(settings))
        self.model_names = settings.model_names
        self.timeout = settings.upstream_timeout_s

    async def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed completion as a plain OpenAI-shaped dict."""
        params = {k: v for k, v in body.items() if k not in LOCAL_FIELDS}
        direct = check_route(self.direct.routes, params)
        if direct is not None:
            reply = await self.direct.complete(*direct)
            if reply is not None:
                return reply
        return await self.routed_complete(params)

    async def routed_complete(self, params: dict[str, Any]) -> dict[str, Any]:
        """`complete` through litellm's Router."""
        try:
            response = await self.router.acompletion(**params)
        except Exception as exc:
            raise self._map_error(exc) from exc
        result: dict[str, Any] = response.model_dump(exclude_none=True)
        return result

    async def stream(self, body: dict[str, Any]) -> Chunks:
        """A streamed completion, opened (an upstream that refuses it raises ApiError here)."""
        params = {k: v for k, v in body.items() if k not in LOCAL_FIELDS}
        direct = check_route(self.direct.routes, params)
        if direct is not None:
            route, sent = direct
            opened = await self.direct.stream(route, sent | STREAM_FIELDS)
            if opened is not None:
                return opened
        return await self.routed_stream(params | STREAM_FIELDS)

    async def routed_stream(self, params: dict[str, Any]) -> Chunks:
        """`stream` through litellm's Router."""
        try:
            response = await self.router.acompletion(**params)
        except Exception as exc:
            raise self._map_error(exc) from exc
        return RoutedStream(response, self.timeout, self._map_error)

    async def aclose(self) -> None:
        """Closes the direct path's connections (the Router keeps its own)."""
        await self.direct.aclose()

    def _map_error(self, exc: Exception) -> ApiError:
        return map_litellm_error(self.litellm.exceptions, exc)
