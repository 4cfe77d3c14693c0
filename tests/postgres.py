"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests that claim PostgreSQL support.

Uses Debian's server binaries (`make test` installs them). PostgreSQL refuses to run as
root, so as root the cluster belongs to the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from proxy.services import free_port


def _bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} not found: run `make test` (it installs Debian's postgresql)")
    return candidates[-1]


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yields a SQLAlchemy URL for a fresh database; the cluster is removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="loopguard-pg-"))
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    port = free_port()
    run = lambda args: subprocess.run(_as_server_user(args), check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "loopguard", "--no-sync"])
        run([_bin("pg_ctl"), "-D", str(data), "-l", str(directory / "server.log"), "-w", "start", "-o",
             f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"])
        run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "loopguard", "loopguard"])
        yield f"postgresql+psycopg://loopguard@127.0.0.1:{port}/loopguard"
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(directory, ignore_errors=True)
