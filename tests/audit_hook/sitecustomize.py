"""Loaded by the proxy under test: logs every host it resolves and every address it connects to."""

import os
import sys

_LOG = os.environ.get("LOOPGUARD_CONNECTIONS_LOG")


def _hook(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event == "socket.connect" and _LOG:
        _write(f"connect {args[1]!r}")
    elif event == "socket.getaddrinfo" and _LOG:
        _write(f"resolve {args[0]!r}")


def _write(line: str) -> None:
    with open(_LOG, "a") as f:  # type: ignore[arg-type]
        f.write(line + "\n")


if _LOG:
    sys.addaudithook(_hook)
