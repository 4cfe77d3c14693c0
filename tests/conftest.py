"""Shared fixtures: a fake provider, a real `loopguard serve` process, app keys and users via the CLI.

`make test` runs the suite on two pytest-xdist workers (`make unit PYTEST_WORKERS=2`, the default; on
this 2-core machine, idle, the whole suite took 14 min on two workers against ~23 min in one process).
A bare `pytest` keeps one process (pyproject's addopts: `-n 0 --dist loadgroup`). What a new test must
respect:
- Each worker is its own process with its own session fixtures: its own fake upstream, proxy
  server, PostgreSQL cluster and browser. Never assume one server for the whole run, never use a
  fixed port (take `free_port()`), never write outside `tmp_path`/`tmp_path_factory` (they are per
  worker), and never count rows or requests that another module's tests might have made.
- A module's tests run on one worker, in file order (every test gets the module's `xdist_group`
  below), so tests of one module may share module fixtures and state as before.
- A module whose tests share nothing but stateless fixtures (loaded checks, policies) may say
  `pytestmark = pytest.mark.independent`: its tests are then spread over the workers one by one.
  Use it only for long CPU-bound modules (eval sets, stream replays), where it pays.
- Figures for the end-of-run summary go through `tests.eval_report.report` (they travel in the
  test's report from the worker); a plain print from a worker is lost.
- Wait for a condition with a deadline (poll the store or the API) rather than sleeping a guessed
  length: two workers share the machine and slow each other down.
With `-n 0` everything runs in one process (for debugging with -x, --pdb or -s).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from openai import OpenAI

from checks.resources import Resources
from proxy.services import free_port, wait_until_up
from tests.fake_upstream import FakeUpstream

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from proxy.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"  # Debian's package; `make test` installs it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
BIN = Path(sys.executable).parent
AUDIT_HOOK_DIR = Path(__file__).parent / "audit_hook"
FIGURE = "eval figure"  # the user_properties name of a figure a test reported

TEST_POLICIES = {
    "crashy.yaml": """
name: crashy
checks: {crash: {}, pii: {}}
on_check_error: hold
hold_timeout_s: 30
reason_codes: [{code: ok, label: OK}]
""",
    "two-person.yaml": """
name: two-person
checks:
  brand:
    phrases: [{rule: risky, phrases: [risky phrase], action: hold}]
default_tier: {name: board, when: {}, priority: 90, sla_minutes: 30, two_person: true}
reason_codes:
  - {code: ok, label: Fine to send}
  - {code: wrong, label: Wrong}
""",
    "overlap.yaml": """
name: overlap
checks:
  brand:
    phrases: [{rule: risky, phrases: [risky phrase], action: hold}]
overlap: 1.0
overlap_reviewers: 2
reason_codes:
  - {code: ok, label: Fine to send, applies_to: [approve]}
  - {code: wrong, label: Wrong}
  - {code: tone, label: Tone off}
""",
    "gold.yaml": """
name: gold
checks:
  brand:
    phrases: [{rule: risky, phrases: [risky phrase], action: hold}]
gold_rate: 1.0
gold_floor: 0.8
gold_min: 2
reason_codes:
  - {code: ok, label: Fine to send, applies_to: [approve]}
  - {code: wrong, label: Wrong}
playbook:
  - {text: "Sign today: this risky phrase closes deals.", expect: hold, rules: [risky], prompt: "Draft the close."}
""",
    "audited.yaml": """
name: audited
checks: {pii: {}}
audit_sample: 1.0
reason_codes: [{code: ok, label: OK}, {code: missed, label: The checks missed something}]
""",
    "buffered.yaml": """
name: buffered
stream: buffer
checks: {pii: {}}
reason_codes: [{code: ok, label: OK}]
""",
    "capped.yaml": """
name: capped
checks: {pii: {}}
limits: {max_messages: 2, max_n: 2, max_tokens: 100, max_body_bytes: 2000, requests_per_minute: 5}
reason_codes: [{code: ok, label: OK}]
""",
    "masked-raw.yaml": """
name: masked-raw
checks: {pii: {}}
store_raw: masked
reason_codes: [{code: ok, label: OK}]
""",
    "sealed-raw.yaml": """
name: sealed-raw
checks: {pii: {}}
store_raw: encrypted
reason_codes: [{code: ok, label: OK}]
""",
    "quick-hold.yaml": """
name: quick-hold
checks:
  brand:
    phrases: [{rule: risky, phrases: [risky phrase], action: hold}]
hold_timeout_s: 1.5
timeout_action: release
reason_codes: [{code: ok, label: OK}]
""",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keeps each module's tests together on one xdist worker (`--dist loadgroup`), unless the
    module is marked `independent`; runs before xdist reads the groups."""
    for item in items:
        if item.get_closest_marker("independent") is None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Moves the figures a test reported (tests/eval_report.py) into its report: reports are what
    an xdist worker sends back, so the figures reach the process that prints the summary."""
    report: pytest.TestReport = yield
    from tests.eval_report import FIGURES

    report.user_properties.extend((FIGURE, line) for line in FIGURES)
    FIGURES.clear()
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the eval-set figures the tests measured, from their reports."""
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             if isinstance(report, pytest.TestReport) for name, value in report.user_properties if name == FIGURE]
    if lines:
        terminalreporter.section("eval sets")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def resources() -> Resources:
    """One NLP/analyzer cache for every check test in the session."""
    return Resources()


@pytest.fixture(scope="session")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


def run_cli(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(BIN / "loopguard"), *args, "--config", str(config)],
                          capture_output=True, text=True, env=env, check=check, timeout=120)


def run_cli_here(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`loopguard ARGS --config CONFIG` run by click in this process, as `run_cli` reports it: for
    tests of what a command does, not of the installed script (`run_cli` covers that). It saves a
    new interpreter and its imports; the command still builds everything it builds from a shell
    (its own checks and NLP engines)."""
    from click.testing import CliRunner

    from proxy.cli import main

    argv = [*args, "--config", str(config)]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    done = subprocess.CompletedProcess(["loopguard", *argv], result.exit_code, result.stdout, result.stderr)
    if check:
        done.check_returncode()
    return done


@dataclass
class Proxy:
    """A running `loopguard serve` with its config, for driving with the openai SDK."""

    config: Path
    port: int
    db: Path
    connections_log: Path
    keys: dict[str, str] = field(default_factory=dict)
    clients: list[OpenAI | httpx.Client] = field(default_factory=list)
    granted_everything: list[str] = field(default_factory=list)  # users granted every app the tests create

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def key(self, app: str, policy: str, mode: str, on_hold: str = "wait") -> str:
        name = app
        if name not in self.keys:
            out = run_cli(self.config, "keys", "create", "--app", app, "--policy", policy, "--mode", mode,
                          "--on-hold", on_hold)
            self.keys[name] = out.stdout.strip().splitlines()[-1]
            for email in self.granted_everything:
                self.store().grant(email, app, "test")
        return self.keys[name]

    def store(self) -> Store:
        """The server's database, opened in the test process (for grants and time travel)."""
        from proxy.store.database import Store

        return Store(f"sqlite:///{self.db}")

    def client(self, app: str, policy: str, mode: str, on_hold: str = "wait") -> OpenAI:
        """An openai SDK client for the app (created with that policy and mode on first use)."""
        client = OpenAI(base_url=self.base_url, api_key=self.key(app, policy, mode, on_hold), max_retries=0)
        self.clients.append(client)
        return client

    def review_api(self, token: str) -> httpx.Client:
        client = httpx.Client(base_url=f"{self.root}/api", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def user_token(self, email: str, role: str, grant_all: bool = True) -> str:
        """A new user's API token; unless told otherwise the user is granted every app the
        tests create (tenant isolation has its own tests)."""
        token = run_cli(self.config, "users", "create", "--email", email, "--role", role).stdout.strip().splitlines()[-1]
        if grant_all:
            self.granted_everything.append(email)
            for app in self.keys:
                self.store().grant(email, app, "test")
        return token


TEST_SECRET_KEY = "test-secret-key-not-for-production"
TEST_DATA_KEY = "5nqL0mXDeGl0KcS3YzR4dF9aZ2hJb3BxcnN0dXZ3eHk="  # a Fernet key for store_raw: encrypted


def write_config(directory: Path, upstream_url: str, database_url: str | None = None, public_url: str | None = None) -> Path:
    policies = directory / "policies"
    policies.mkdir(exist_ok=True)
    for name, text in TEST_POLICIES.items():
        (policies / name).write_text(text)
    lines = [
        "model_list:",
        "  - model_name: fake-model",
        "    litellm_params:",
        "      model: openai/fake-model",
        "      api_base: os.environ/LOOPGUARD_TEST_UPSTREAM",
        "      api_key: sk-test-not-a-real-key",
        f"database_url: {database_url or 'sqlite:///' + str(directory / 'loopguard.db')}",
        "policies_dir: policies",
        "check_plugins: ['tests.plugins:CrashingCheck']",
        "upstream_timeout_s: 3",
        "max_body_bytes: 65536",
        f"secret_key: {TEST_SECRET_KEY}",
        f"public_url: {public_url or 'http://127.0.0.1:4000'}",
        "queue_refresh_s: 1",
        "sweep_interval_s: 0.3",
        "webhook_backoff_s: 0.3",
        "webhook_timeout_s: 2",
    ]
    path = directory / "loopguard.yaml"
    path.write_text("\n".join(lines) + "\n")
    os.environ["LOOPGUARD_TEST_UPSTREAM"] = upstream_url
    os.environ.setdefault("LOOPGUARD_DATA_KEY", TEST_DATA_KEY)
    return path


def start_server(config: Path, port: int, connections_log: Path, log_name: str = "serve.log",
                 extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    run_cli(config, "db", "upgrade")  # serve never migrates
    env = {
        **os.environ,
        # The audit hook logs every outbound socket connection the server attempts.
        "PYTHONPATH": os.pathsep.join([str(AUDIT_HOOK_DIR), str(ROOT)]),
        "LOOPGUARD_CONNECTIONS_LOG": str(connections_log),
    }
    with open(config.parent / log_name, "wb") as log:
        proc = subprocess.Popen([str(BIN / "loopguard"), "serve", "--config", str(config), "--port", str(port),
                                 *(extra or [])],
                                stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, "loopguard serve", timeout=90)
    except RuntimeError as exc:
        proc.kill()
        proc.wait(timeout=10)  # reaped: an unreaped Popen warns, and warnings are errors here
        raise RuntimeError(f"{exc}\n{(config.parent / log_name).read_text()}") from exc
    return proc


@pytest.fixture(scope="session")
def proxy(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    directory = tmp_path_factory.mktemp("proxy")
    port = free_port()
    config = write_config(directory, upstream.base_url, public_url=f"http://127.0.0.1:{port}")
    connections = directory / "connections.log"
    proc = start_server(config, port, connections)
    running = Proxy(config=config, port=port, db=directory / "loopguard.db", connections_log=connections)
    yield running
    running.close()
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a held request that a failed test never decided keeps it open
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian chromium for every browser test (never a downloaded build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    from tests.postgres import postgres_cluster

    with postgres_cluster() as url:
        yield url
