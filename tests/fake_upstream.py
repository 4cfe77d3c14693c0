"""A fake OpenAI-compatible provider: a real HTTP server on 127.0.0.1 for tests and benchmarks.

The last user message steers it:
  REPLY: a || b || c     choice i answers part i (the last part repeats)
  FAIL 500               answers with that HTTP status and an OpenAI error body
  SLEEP 3                waits that many seconds, then answers "slept"
  TOOL: {"to": "x@y.z"}  answers with a tool call whose arguments are that JSON
  REPEAT 2000: text      answers with the text repeated that many times (long outputs, small requests)
  FIELDS: {"message": {...}, "choice": {...}, "response": {...}}
                         answers with those fields merged into every choice's message, every
                         choice and the top-level body (refusal, reasoning, logprobs, audio,
                         unknown provider fields...); "\\ud800" escapes survive as lone surrogates
anything else is echoed back as "echo: <text>".
Bodies are sent as ASCII JSON, so any string (even a lone surrogate) reaches the proxy as written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from proxy.services import free_port


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

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        body = await request.json()
        app.state.requests.append(body)
        prompt = _last_user(body.get("messages", []))
        if prompt.startswith("FAIL "):
            status = int(prompt.split()[1])
            return JSONResponse({"error": {"message": f"fake failure {status}", "type": "server_error"}}, status)
        if prompt.startswith("SLEEP "):
            await asyncio.sleep(float(prompt.split()[1]))
            prompt = "REPLY: slept"
        n = int(body.get("n") or 1)
        messages = [_message(prompt, i) for i in range(n)]
        created = int(time.time())
        usage = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}
        finish = ["tool_calls" if m.get("tool_calls") else "stop" for m in messages]
        if body.get("stream"):
            return StreamingResponse(_stream(body["model"], messages, finish, created, usage), media_type="text/event-stream")
        extras = _fields(prompt)
        reply = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": created, "model": body["model"],
            "choices": [{"index": i, "message": m, "finish_reason": finish[i], **extras.get("choice", {})}
                        for i, m in enumerate(messages)],
            "usage": usage, **extras.get("response", {}),
        }
        return Response(json.dumps(reply), media_type="application/json")

    return app


async def _stream(model: str, messages: list[dict[str, Any]], finish: list[str], created: int, usage: dict[str, Any]) -> Any:
    for i, m in enumerate(messages):
        chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created, "model": model,
                 "choices": [{"index": i, "delta": {"role": "assistant", "content": m.get("content") or ""},
                              "finish_reason": finish[i]}]}
        yield f"data: {json.dumps(chunk)}\n\n"
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
