"""Running local servers as subprocesses: a free port, and waiting until one answers
(the demo's model and proxy, the tests, the benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import httpx


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 120,
                  progress: Callable[[], None] | None = None) -> None:
    """Returns once `url` answers below 500; raises RuntimeError if `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early (code {proc.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if progress:
            progress()
        time.sleep(0.25)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
