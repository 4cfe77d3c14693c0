"""The direct path: an OpenAI-compatible deployment called over one pooled HTTP client.

litellm's Router costs about 5 ms of CPU a call (routing, logging, cost, response objects)
where the HTTP call itself costs a fraction of a millisecond. For the common case this module
does what the Router would have done, from the same `model_list` and `router_settings`:

- A model name is served directly (`direct_routes`) only where the Router would make exactly
  one attempt at exactly one deployment: a single `openai/...` deployment with an `api_base`
  and an `api_key`, no retries, no fallbacks, the default routing, and no setting this module
  does not know (any other `litellm_params`, `litellm_settings` or `router_settings` key).
  Every other model name is left to the Router, untouched.
- A request is sent directly (`forwardable`) only when every field is one that litellm
  forwards to an OpenAI deployment as it is; litellm's own rewrites are mirrored (a message's
  null fields dropped) or left to it (a `developer` role, `tool_choice` without `tools`,
  `user`, `verbosity`: the Router gets those requests).
- The reply is shaped as litellm shapes it (`litellm_shape`, `chunk_shape`): null fields
  dropped, fields litellm does not model moved into `provider_specific_fields` (a stream's
  `reasoning` renamed `reasoning_content`), so the guard reads the same dict either way; a
  reply litellm refuses to convert (`_litellm_refuses`) goes to the Router, which refuses it.
- A timeout is the Router's 504 (waiting again would double it). Any other failure (a non-2xx
  status, a refused connection, a body that is not a completion) returns None: the caller
  hands the request to the Router, which makes its attempt and maps, cools down and reports
  the failure exactly as without this path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from proxy.config import ConfigError, Settings, resolve_env
from proxy.http.errors import ApiError
from proxy.upstream.errors import failed, provider_message, timed_out

log = logging.getLogger("loopguard.upstream")

PROVIDER_PREFIX = "openai/"
DEPLOYMENT_KEYS = frozenset({"model", "api_base", "api_key", "timeout", "stream_timeout"})
ENTRY_KEYS = frozenset({"model_name", "litellm_params", "model_info"})
# Router settings that change nothing about a single attempt at a single deployment (what
# happens after a failure is the Router's: it gets every failed request).
ROUTER_KEYS = frozenset({"num_retries", "timeout", "routing_strategy", "allowed_fails", "cooldown_time",
                         "retry_after", "set_verbose", "debug_level"})
LITELLM_KEYS = frozenset({"telemetry", "suppress_debug_info", "set_verbose", "json_logs"})
# Request fields litellm forwards to an OpenAI deployment unchanged (tests/test_direct_path.py
# checks each against the Router). `model` is replaced by the deployment's.
FORWARDED = frozenset({
    "model", "messages", "n", "temperature", "top_p", "frequency_penalty", "presence_penalty", "logit_bias",
    "logprobs", "top_logprobs", "max_tokens", "max_completion_tokens", "seed", "stop", "safety_identifier",
    "prompt_cache_key", "prompt_cache_retention", "prompt_cache_options", "store", "parallel_tool_calls", "tools",
    "tool_choice", "functions", "function_call", "response_format", "modalities", "audio", "prediction",
    "reasoning_effort", "service_tier", "web_search_options", "moderation",
})
# The fields litellm's response types model; any other goes to `provider_specific_fields`.
MESSAGE_KEYS = frozenset({"content", "role", "refusal", "tool_calls", "function_call", "audio", "images",
                          "reasoning_content", "thinking_blocks", "reasoning_items", "provider_specific_fields",
                          "annotations"})
CHOICE_KEYS = frozenset({"finish_reason", "index", "message", "logprobs", "provider_specific_fields"})
USER_AGENT = "loopguard"


@dataclass(frozen=True)
class DirectRoute:
    """Where one model name's only deployment is and how to call it."""

    url: str
    headers: dict[str, str]
    model: str
    timeout: float
    stream_timeout: float


def direct_routes(settings: Settings) -> dict[str, DirectRoute]:
    """The model names the direct path serves (see the module's docstring), by name."""
    router = {"timeout": settings.upstream_timeout_s} | settings.router_settings
    if (set(router) - ROUTER_KEYS or set(settings.litellm_settings) - LITELLM_KEYS
            or router.get("num_retries") or router.get("routing_strategy", "simple-shuffle") != "simple-shuffle"):
        return {}
    by_name: dict[str, list[dict[str, Any]]] = {}
    for entry in settings.model_list:
        by_name.setdefault(str(entry.get("model_name")), []).append(entry)
    routes = {}
    for name, entries in by_name.items():
        route = _route(entries, float(router["timeout"])) if len(entries) == 1 else None
        if route is not None:
            routes[name] = route
    return routes


def _route(entries: list[dict[str, Any]], timeout: float) -> DirectRoute | None:
    entry = entries[0]
    params = entry.get("litellm_params")
    if set(entry) - ENTRY_KEYS or not isinstance(params, dict) or set(params) - DEPLOYMENT_KEYS:
        return None
    try:
        model, base, key = (resolve_env(params.get(k), f"litellm_params.{k}") for k in ("model", "api_base", "api_key"))
    except ConfigError:
        return None  # litellm reports it its own way
    if not (isinstance(model, str) and model.startswith(PROVIDER_PREFIX) and isinstance(base, str) and base
            and isinstance(key, str) and key):
        return None
    own = params.get("timeout")
    own_timeout = float(own) if isinstance(own, int | float) and not isinstance(own, bool) else timeout
    streamed = params.get("stream_timeout")
    stream_timeout = float(streamed) if isinstance(streamed, int | float) and not isinstance(streamed, bool) else own_timeout
    return DirectRoute(url=base.rstrip("/") + "/chat/completions", model=model[len(PROVIDER_PREFIX):],
                       headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                "User-Agent": USER_AGENT},
                       timeout=own_timeout, stream_timeout=stream_timeout)


def forwardable(params: dict[str, Any], model: str) -> dict[str, Any] | None:
    """The body litellm would send to an OpenAI deployment for `params`, or None where litellm
    rewrites it in a way this module leaves to litellm."""
    if set(params) - FORWARDED or ("tool_choice" in params and "tools" not in params):
        return None
    messages = params.get("messages")
    if not isinstance(messages, list):
        return None
    sent = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") == "developer":
            return None
        sent.append({k: v for k, v in message.items() if v is not None})
    return {**params, "model": model, "messages": sent}


def litellm_shape(response: dict[str, Any]) -> dict[str, Any]:
    """A completion as litellm hands it on: null fields dropped, fields its types do not model
    moved into the choice's or the message's `provider_specific_fields`."""
    out = _shaped(response)
    choices = out.get("choices")
    if isinstance(choices, list):
        out["choices"] = [_choice_shape(c) if isinstance(c, dict) else c for c in choices]
    return out


def _choice_shape(choice: dict[str, Any]) -> dict[str, Any]:
    out = _moved({k: v for k, v in choice.items() if v is not None}, CHOICE_KEYS)
    out.setdefault("provider_specific_fields", {})
    if isinstance(out.get("logprobs"), dict):
        out["logprobs"] = _without_nulls(out["logprobs"])
    message = out.get("message")
    if isinstance(message, dict):
        out["message"] = _message_shape({k: v for k, v in message.items() if v is not None})
    return out


def _message_shape(message: dict[str, Any]) -> dict[str, Any]:
    """litellm's message: vLLM's `reasoning` also as `reasoning_content`, thinking blocks also
    under `provider_specific_fields`, other unknown fields only there."""
    reasoning = message.get("reasoning")
    out = _moved(message, MESSAGE_KEYS)
    if isinstance(reasoning, str) and "reasoning_content" not in out:
        out["reasoning_content"] = reasoning
    if "thinking_blocks" in out:
        own = out.get("provider_specific_fields")
        out["provider_specific_fields"] = {**(own if isinstance(own, dict) else {}),
                                           "thinking_blocks": out["thinking_blocks"]}
    return out


def chunk_shape(chunk: dict[str, Any]) -> dict[str, Any]:
    """A stream chunk as litellm's stream hands it on: null fields dropped, vLLM's `reasoning`
    as `reasoning_content` (its stream keeps other unknown fields where they are)."""
    out = _shaped(chunk)
    choices = out.get("choices")
    if isinstance(choices, list):
        out["choices"] = [_chunk_choice(c) if isinstance(c, dict) else c for c in choices]
    return out


def _chunk_choice(choice: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in choice.items() if v is not None}
    if isinstance(out.get("logprobs"), dict):
        out["logprobs"] = _without_nulls(out["logprobs"])
    delta = out.get("delta")
    if isinstance(delta, dict):
        delta = {k: v for k, v in delta.items() if v is not None}
        if "reasoning" in delta and "reasoning_content" not in delta:  # vLLM's name for it, as litellm renames it
            delta["reasoning_content"] = delta.pop("reasoning")
        out["delta"] = delta
    return out


def _shaped(response: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in response.items() if v is not None}
    usage = out.get("usage")
    if isinstance(usage, dict):
        out["usage"] = _without_nulls(usage)
    return out


def _moved(value: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    extra = {k: v for k, v in value.items() if k not in known}
    if not extra:
        return value
    kept = {k: v for k, v in value.items() if k in known}
    own = kept.get("provider_specific_fields")
    kept["provider_specific_fields"] = {**(own if isinstance(own, dict) else {}), **extra}
    return kept


def _loads(data: str | bytes) -> Any:
    """The JSON value, or None when it is not JSON. orjson first; the standard parser where
    orjson refuses a lone surrogate escape (litellm reads those, and the guard removes them)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _litellm_refuses(reply: dict[str, Any]) -> bool:
    """Whether litellm's conversion of this reply fails: a message whose content is a list of
    parts, or tool-call arguments nested deeper than Python's JSON parser goes. The Router then
    fails it as it always has (a 502, nothing of the text to the app)."""
    for choice in reply["choices"]:
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        if isinstance(message.get("content"), list):
            return True
        for call in message.get("tool_calls") or []:
            arguments = call.get("function", {}).get("arguments") if isinstance(call, dict) else None
            if isinstance(arguments, str) and _too_deep(arguments):
                return True
    return False


def _too_deep(arguments: str) -> bool:
    try:
        json.loads(arguments)
    except RecursionError:
        return True
    except ValueError:
        return False
    return False


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class DirectClient:
    """Calls the direct routes over one pooled `httpx.AsyncClient` per event loop."""

    def __init__(self, routes: dict[str, DirectRoute]) -> None:
        self.routes = routes
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lifetime: AsyncGenerator[None, None] | None = None

    async def _http(self) -> httpx.AsyncClient:
        """The pooled client, made on first use inside the running loop (a client belongs to
        one loop). It closes with its loop: the loop's shutdown closes every async generator
        still open, `_closes_with_loop` among them, so no connection outlives the loop that
        owns it (a server has one loop; tests that call upstreams in process have several)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=None, max_keepalive_connections=64))
            self._loop = loop
            self._lifetime = _closes_with_loop(self._client)
            await anext(self._lifetime)
        return self._client

    async def aclose(self) -> None:
        if self._lifetime is not None and self._loop is asyncio.get_running_loop():
            await self._lifetime.aclose()
        self._client = self._lifetime = None

    async def complete(self, route: DirectRoute, body: dict[str, Any]) -> dict[str, Any] | None:
        """The completion as litellm would have returned it; None: the Router must take over."""
        try:
            response = await (await self._http()).post(route.url, content=orjson.dumps(body), headers=route.headers,
                                               timeout=route.timeout)
        except httpx.TimeoutException as exc:
            raise timed_out() from exc
        except httpx.HTTPError as exc:
            log.info("direct call failed (%s); the Router takes over", type(exc).__name__)
            return None
        if response.status_code != 200:
            log.info("direct call got HTTP %s; the Router takes over", response.status_code)
            return None
        reply = _loads(response.content)
        if not isinstance(reply, dict) or not isinstance(reply.get("choices"), list) or _litellm_refuses(reply):
            log.info("direct call got a body that litellm would not take as a completion; the Router takes over")
            return None
        return litellm_shape(reply)

    async def stream(self, route: DirectRoute, body: dict[str, Any]) -> DirectStream | None:
        """The opened stream; None: the Router must take over (nothing was read from it)."""
        http = await self._http()
        request = http.build_request("POST", route.url, content=orjson.dumps(body), headers=route.headers,
                                     timeout=route.stream_timeout)
        try:
            response = await http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise timed_out() from exc
        except httpx.HTTPError as exc:
            log.info("direct stream failed to open (%s); the Router takes over", type(exc).__name__)
            return None
        if response.status_code != 200:
            log.info("direct stream got HTTP %s; the Router takes over", response.status_code)
            await response.aclose()
            return None
        return DirectStream(response, route.stream_timeout)


async def _closes_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await client.aclose()


class DirectStream:
    """An upstream SSE body read event by event into chunk dicts shaped as litellm's. A cut
    connection, an event that is not a JSON object, an error event, or an end before `[DONE]`
    with no choice finished ends it with an ApiError. A silence longer than the route's stream
    timeout is the read timeout's 504; keep-alive comments without a chunk for as long end it too."""

    def __init__(self, response: httpx.Response, idle_s: float) -> None:
        self._response = response
        self._lines = response.aiter_lines()
        self._finished = False
        self._idle_s = idle_s
        self._last_event = time.monotonic()

    def __aiter__(self) -> DirectStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        self._last_event = time.monotonic()  # the time the reader spends between chunks is not the upstream's
        try:
            async for line in self._lines:
                if not line.startswith("data:"):  # blank separators, comments, `event:` and `id:` lines
                    if time.monotonic() - self._last_event > self._idle_s:  # keep-alive comments, no chunks
                        raise ApiError(504, f"The upstream model stopped sending for {self._idle_s:g} s mid-stream.",
                                       "upstream_stalled")
                    continue
                self._last_event = time.monotonic()
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                return self._chunk(data)
        except httpx.TimeoutException as exc:
            raise timed_out() from exc
        except httpx.HTTPError as exc:
            log.warning("upstream stream broke: %s", type(exc).__name__)
            raise failed() from exc
        else:
            if not self._finished:
                log.warning("upstream stream ended before [DONE] with no choice finished")
                raise failed()
        raise StopAsyncIteration

    def _chunk(self, data: str) -> dict[str, Any]:
        chunk = _loads(data)
        if not isinstance(chunk, dict):
            log.warning("upstream stream sent an event that is not a JSON object")
            raise failed()
        if "error" in chunk:
            log.warning("upstream stream sent an error event")
            raise failed(provider_message(chunk["error"]))
        choices = chunk.get("choices")
        if isinstance(choices, list) and any(isinstance(c, dict) and c.get("finish_reason") for c in choices):
            self._finished = True
        return chunk_shape(chunk)

    async def aclose(self) -> None:
        await self._response.aclose()


def check_route(routes: dict[str, DirectRoute], body: dict[str, Any]) -> tuple[DirectRoute, dict[str, Any]] | None:
    """The route and the body to send for a request the direct path can make, else None."""
    route = routes.get(str(body.get("model")))
    if route is None:
        return None
    sent = forwardable(body, route.model)
    return (route, sent) if sent is not None else None

