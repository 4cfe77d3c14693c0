"""A fake OpenAI-compatible provider: a real HTTP server on 127.0.0.1 for tests and benchmarks.

The last user message steers it:
  REPLY: a || b || c     choice i answers part i (the last part repeats)
  FAIL 500               answers with that HTTP status and an OpenAI error body (a 429 with retry-after: 7)
  SLEEP 3                waits that many seconds, then answers "slept"
  TOOL: {"to": "x@y.z"}  answers with a tool call whose arguments are that JSON
  REPEAT 2000: text      answers with the text repeated that many times (long outputs, small requests)
  FIELDS: {"message": {...}, "choice": {...}, "response": {...}}
                         answers with those fields merged into every choice's message, every
                         choice and the top-level body (refusal, reasoning, logprobs, audio,
                         unknown provider fields...); "\\ud800" escapes survive as lone surrogates
anything else is echoed back as "echo: <text>".
Bodies are sent as ASCII JSON, so any string (even a lone surrogate) reaches the proxy as written.

Streamed (`stream: true`), every reply goes out as OpenAI does it: a first chunk with the role,
the content one word per chunk (a word with the space before it), tool-call arguments in
8-character pieces after a chunk with the call's id and name, the other FIELDS in the first
chunk, a last chunk per choice with its finish_reason, a usage chunk when
`stream_options.include_usage` asks, then `[DONE]`. A leading tag changes how it streams:
  [stream pace=15]       waits 15 ms before each content chunk (a readable pace)
  [stream words=50]      sends 50 words per content chunk (a long reply in fewer chunks)
  [stream cut=40]        drops the connection once 40 characters of content went out
  [stream malformed=40]  sends a broken data line once 40 characters went out, then ends
  [stream stall=40]      sends nothing more once 40 characters went out (holds the connection
                         open for STALL_SECONDS), as a provider that hangs mid-stream
The tag may be combined ("[stream pace=12 cut=200] REPLY: ...") and is ignored unstreamed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from proxy.services import free_port

STREAM_TAG = re.compile(r"^\[stream((?:\s+\w+=\d+)*)\]\s*")
STALL_SECONDS = 30.0
ARGUMENT_PIECE = 8


class CutStream(Exception):
    """Raised inside a streamed body: the server drops the connection mid-response."""


def _stream_controls(prompt: str) -> tuple[dict[str, int], str]:
    """The `[stream k=v ...]` tag's settings and the prompt without it."""
    m = STREAM_TAG.match(prompt)
    if not m:
        return {}, prompt
    controls = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}
    return controls, prompt[m.end():]


def _last_user(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _fields(prompt: str) -> dict[str, Any]:
    """The FIELDS: steering object ({} for any other prompt)."""
    if not prompt.startswith("FIELDS:"):
        return {}
    extras: dict[str, Any] = json.loads(prompt[len("FIELDS:"):])
    return extras


def _message(prompt: str, index: int) -> dict[str, Any]:
    if prompt.startswith("FIELDS:"):
        return {"role": "assistant", "content": None, **_fields(prompt).get("message", {})}
    if prompt.startswith("REPEAT "):
        count, _, text = prompt[len("REPEAT "):].partition(":")
        return {"role": "assistant", "content": text.strip() * int(count)}
    if prompt.startswith("REPLY:"):
        parts = [p.strip() for p in prompt[len("REPLY:"):].split("||")]
        return {"role": "assistant", "content": parts[min(index, len(parts) - 1)]}
    if prompt.startswith("TOOL:"):
        args = prompt[len("TOOL:"):].strip()
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{index}", "type": "function", "function": {"name": "send_email", "arguments": args}}]}
    return {"role": "assistant", "content": f"echo: {prompt}"}


def build_app() -> FastAPI:
    app = FastAPI()
    app.state.requests = []
    app.state.agents = []  # each request's User-Agent: which client (loopguard's direct path or litellm's) sent it

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        body = await request.json()
        app.state.requests.append(body)
        app.state.agents.append(request.headers.get("user-agent", ""))
        controls, prompt = _stream_controls(_last_user(body.get("messages", [])))
        if prompt.startswith("FAIL "):
            status = int(prompt.split()[1])
            return JSONResponse({"error": {"message": f"fake failure {status}", "type": "server_error"}}, status,
                                headers={"retry-after": "7"} if status == 429 else None)
        if prompt.startswith("SLEEP "):
            await asyncio.sleep(float(prompt.split()[1]))
            prompt = "REPLY: slept"
        n = int(body.get("n") or 1)
        messages = [_message(prompt, i) for i in range(n)]
        created = int(time.time())
        usage = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}
        finish = ["tool_calls" if m.get("tool_calls") else "stop" for m in messages]
        extras = _fields(prompt)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = _chunks(body["model"], messages, finish, created, extras, usage if include_usage else None,
                             controls.get("words", 1))
            return StreamingResponse(_stream(chunks, controls), media_type="text/event-stream")
        reply = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": created, "model": body["model"],
            "choices": [{"index": i, "message": m, "finish_reason": finish[i], **extras.get("choice", {})}
                        for i, m in enumerate(messages)],
            "usage": usage, **extras.get("response", {}),
        }
        return Response(json.dumps(reply), media_type="application/json")

    return app


def _chunks(model: str, messages: list[dict[str, Any]], finish: list[str], created: int, extras: dict[str, Any],
            usage: dict[str, Any] | None, words: int = 1) -> list[tuple[dict[str, Any], int]]:
    """The stream's chunks, the choices' interleaved, each with the number of content characters it carries."""
    top = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created, "model": model,
           **extras.get("response", {})}
    per_choice = [_choice_chunks(i, m, finish[i], extras.get("choice", {}), words) for i, m in enumerate(messages)]
    out = [({**top, "choices": [choice]}, chars)
           for step in itertools.zip_longest(*per_choice) for item in step if item is not None for choice, chars in [item]]
    if usage is not None:
        out.append(({**top, "choices": [], "usage": usage}, 0))
    return out


def _choice_chunks(index: int, message: dict[str, Any], finish: str, extras: dict[str, Any],
                   words: int = 1) -> list[tuple[dict[str, Any], int]]:
    def choice(delta: dict[str, Any], chars: int = 0, **more: Any) -> tuple[dict[str, Any], int]:
        return {"index": index, "delta": delta, "finish_reason": None, **more}, chars

    first = {k: v for k, v in message.items() if k not in ("content", "tool_calls")}
    out = [choice({**first, "content": ""}, **extras)]
    content = message.get("content")
    pieces = re.findall(r"\s*\S+|\s+$", content or "")
    grouped = ["".join(pieces[k:k + words]) for k in range(0, len(pieces), words)]
    out += [choice({"content": piece}, len(piece)) for piece in grouped]
    for n, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        out.append(choice({"tool_calls": [{"index": n, "id": call["id"], "type": call["type"],
                                           "function": {"name": function["name"], "arguments": ""}}]}))
        arguments = function["arguments"]
        out += [choice({"tool_calls": [{"index": n, "function": {"arguments": arguments[k:k + ARGUMENT_PIECE]}}]})
                for k in range(0, len(arguments), ARGUMENT_PIECE)]
    out.append(({"index": index, "delta": {}, "finish_reason": finish}, 0))
    return out


async def _stream(chunks: list[tuple[dict[str, Any], int]], controls: dict[str, int]) -> Any:
    sent = 0
    for chunk, chars in chunks:
        if chars and controls.get("pace"):
            await asyncio.sleep(controls["pace"] / 1000)
        for fault in ("cut", "malformed", "stall"):
            if fault in controls and sent >= controls[fault]:
                if fault == "cut":
                    raise CutStream("connection dropped by the fake provider")
                if fault == "malformed":
                    yield 'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"content": "tru\n\n'
                    return
                await asyncio.sleep(STALL_SECONDS)
                return
        yield f"data: {json.dumps(chunk)}\n\n"
        sent += chars
    yield "data: [DONE]\n\n"


class FakeUpstream:
    """Runs the fake in a background thread; `requests` lists the bodies it received."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.app = build_app()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return list(self.app.state.requests)

    @property
    def agents(self) -> list[str]:
        return list(self.app.state.agents)

    def __enter__(self) -> FakeUpstream:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake upstream did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8900)
    uvicorn.run(build_app(), host="127.0.0.1", port=parser.parse_args().port, log_level="warning")
