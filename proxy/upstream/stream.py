"""A streamed completion as the guard reads it: plain chunk dicts, whichever way it was called.

`Chunks` is what both kinds of stream offer (`proxy.upstream.direct.DirectStream` and
`RoutedStream`, litellm's); a failure, a malformed event or a silence longer than the
timeout ends either with an ApiError.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from proxy.http.errors import ApiError


class Chunks(Protocol):
    def __aiter__(self) -> Chunks: ...

    async def __anext__(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


class RoutedStream:
    """litellm's stream (a CustomStreamWrapper) as plain dicts; a chunk that does not come within
    `idle_s` of the previous one ends it as a stalled upstream."""

    def __init__(self, response: Any, idle_s: float, map_error: Callable[[Exception], ApiError]) -> None:
        self._response = response
        self._chunks: AsyncIterator[Any] = response.__aiter__()
        self._idle_s = idle_s
        self._map_error = map_error

    def __aiter__(self) -> RoutedStream:
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
