"""Local servers for the benchmarks, all on 127.0.0.1: the fake provider, loopguard, and
LiteLLM's own proxy (`litellm[proxy]`, no guardrails) as the plain gateway to compare with.

LiteLLM's proxy is installed once into a venv of its own under the cache folder
(`$LOOPGUARD_BENCH_CACHE`, default `~/.cache/loopguard-bench/`), at the litellm version
loopguard runs, so it never touches loopguard's environment.
"""

from __future__ import annotations

import importlib.metadata
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from proxy.services import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POLICIES = Path(__file__).parent / "policies"  # the `none` policy: loopguard's gateway alone
CACHE = Path(os.environ.get("LOOPGUARD_BENCH_CACHE", Path.home() / ".cache" / "loopguard-bench"))
VERSION_FILE = "litellm-version"
QUIET_LITELLM = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False", "LITELLM_LOG": "ERROR"}


@dataclass
class Server:
    """A running server: its base URL (…/v1), its process, and the app keys it knows."""

    name: str
    base_url: str
    proc: subprocess.Popen[bytes]
    keys: dict[str, str] = field(default_factory=dict)

    def pids(self) -> list[int]:
        """The server's process and its workers (not multiprocessing's helper processes)."""
        return [self.proc.pid, *(p for p in _children(self.proc.pid) if b"multiprocessing" not in _cmdline(p))]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [c for p in found for c in _children(p)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _start(name: str, cmd: list[str], health: str, env: dict[str, str], log: Path, timeout: float = 180) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env}, cwd=ROOT)
    try:
        wait_until_up(health, proc, name, timeout=timeout)
    except RuntimeError as exc:
        proc.kill()
        raise RuntimeError(f"{exc}\n{log.read_text()[-3000:]}") from exc
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def fake_upstream(workdir: Path) -> Iterator[Server]:
    port = free_port()
    proc = _start("fake upstream", [sys.executable, "-m", "tests.fake_upstream", "--port", str(port)],
                  f"http://127.0.0.1:{port}/docs", {"PYTHONPATH": str(ROOT)}, workdir / "upstream.log")
    try:
        yield Server("direct", f"http://127.0.0.1:{port}/v1", proc)
    finally:
        _stop(proc)


def _model_list(upstream: Server) -> str:
    return ("model_list:\n  - model_name: fake-model\n    litellm_params:\n      model: openai/fake-model\n"
            f"      api_base: {upstream.base_url}\n      api_key: sk-bench\n")


@contextmanager
def loopguard(upstream: Server, workdir: Path, policies: list[str], workers: int = 1,
              source: Path = ROOT) -> Iterator[Server]:
    """`loopguard serve` with an app key (monitor mode) for each of `policies`; `source` is the
    source tree whose code runs (another revision's, to compare with this one in one run)."""
    workdir = Path(tempfile.mkdtemp(prefix="loopguard-", dir=workdir))
    config = workdir / "loopguard.yaml"
    config.write_text(_model_list(upstream) + f"database_url: sqlite:///{workdir}/bench.db\npolicies_dir: {POLICIES}\n")
    port = free_port()
    env = {"PYTHONPATH": str(source)}
    subprocess.run([str(BIN / "loopguard"), "db", "upgrade", "--config", str(config)], capture_output=True, check=True,
                   env={**os.environ, **env})
    proc = _start("loopguard", [str(BIN / "loopguard"), "serve", "--config", str(config), "--port", str(port),
                                "--log-level", "warning", "--workers", str(workers)],
                  f"http://127.0.0.1:{port}/healthz", env, workdir / "loopguard.log", timeout=400)
    try:
        server = Server("loopguard", f"http://127.0.0.1:{port}/v1", proc)
        for policy in policies:
            out = subprocess.run([str(BIN / "loopguard"), "keys", "create", "--app", f"bench-{policy}", "--policy", policy,
                                  "--mode", "monitor", "--config", str(config)], capture_output=True, text=True, check=True,
                                 env={**os.environ, **env})
            server.keys[policy] = out.stdout.strip().splitlines()[-1]
        yield server
    finally:
        _stop(proc)


def litellm_proxy_bin(install: bool) -> Path | None:
    """The `litellm` command of the cached proxy venv; installed first if `install` (else None when
    absent). The proxy is pinned to loopguard's litellm version where the package index has that
    version's proxy packages, else pip takes the newest `litellm[proxy]` it can install; the
    version is kept beside it (`litellm_proxy_version`)."""
    venv = CACHE / "litellm-proxy"
    command = venv / "bin" / "litellm"
    if (venv / VERSION_FILE).exists():
        return command
    if not install:
        return None
    version = importlib.metadata.version("litellm")
    print(f"installing litellm[proxy] into {venv} (once, a few minutes)...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--progress-bar", "off"]
    if subprocess.run([*pip, f"litellm[proxy]=={version}"], timeout=1800).returncode != 0:
        subprocess.run([*pip, "litellm[proxy]"], check=True, timeout=1800)
    installed = subprocess.run([str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                               capture_output=True, text=True, check=True).stdout.strip()
    (venv / VERSION_FILE).write_text(installed)
    return command


def litellm_proxy_version() -> str:
    path = CACHE / "litellm-proxy" / VERSION_FILE
    return path.read_text().strip() if path.exists() else "?"


@contextmanager
def litellm_proxy(upstream: Server, workdir: Path, command: Path, workers: int = 1) -> Iterator[Server]:
    """LiteLLM's proxy with the same model list and no guardrails, callbacks or database; requests
    authenticate with its master key (it refuses to start without one)."""
    config = workdir / "litellm.yaml"
    config.write_text(_model_list(upstream) + "litellm_settings:\n  telemetry: false\n")
    port = free_port()
    master_key = "sk-" + secrets.token_hex(32)
    proc = _start("LiteLLM proxy", [str(command), "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
                                    "--num_workers", str(workers)],
                  f"http://127.0.0.1:{port}/health/liveliness", {**QUIET_LITELLM, "LITELLM_MASTER_KEY": master_key},
                  workdir / "litellm.log", timeout=300)
    try:
        yield Server("LiteLLM proxy", f"http://127.0.0.1:{port}/v1", proc, {"": master_key})
    finally:
        _stop(proc)


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="loopguard-bench-") as tmp:
        yield Path(tmp)

