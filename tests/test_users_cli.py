"""`loopguard users ...` and `loopguard apps ...`: no surprises, and every change audited."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import BIN, ROOT, Proxy, run_cli, run_cli_here


def cli_with_stdin(config: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(BIN / "loopguard"), *args, "--config", str(config)], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


def test_creating_an_existing_user_refuses_and_changes_nothing(proxy: Proxy) -> None:
    token = proxy.user_token("dup@example.com", "reviewer", grant_all=False)
    again = run_cli(proxy.config, "users", "create", "--email", "Dup@Example.com", "--role", "admin", check=False)
    assert again.returncode != 0 and "already exists" in again.stderr
    user = proxy.store().user_for_token(token)
    assert user is not None and user.role == "reviewer"  # the old token still works, the role is unchanged


def test_user_management_commands_and_their_audit_trail(proxy: Proxy) -> None:
    token = proxy.user_token("managed@example.com", "reviewer", grant_all=False)
    proxy.key("managed-app", "default", "review")
    assert "granted managed-app" in run_cli(proxy.config, "users", "grant", "--email", "managed@example.com",
                                             "--app", "managed-app").stdout
    listing = run_cli(proxy.config, "users", "list").stdout
    assert "managed@example.com  role=reviewer  apps=managed-app  no password  active" in listing
    assert "role=lead" in run_cli(proxy.config, "users", "set-role", "--email", "managed@example.com", "--role", "lead").stdout
    rotated = run_cli(proxy.config, "users", "rotate-token", "--email", "managed@example.com").stdout.splitlines()[-1]
    api = f"{proxy.root}/api/reviews"
    assert httpx.get(api, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert httpx.get(api, headers={"Authorization": f"Bearer {rotated}"}).status_code == 200
    assert "revoked managed-app" in run_cli(proxy.config, "users", "revoke", "--email", "managed@example.com",
                                             "--app", "managed-app").stdout
    run_cli(proxy.config, "users", "revoke", "--email", "managed@example.com")
    assert httpx.get(api, headers={"Authorization": f"Bearer {rotated}"}).status_code == 401
    trail = [e.action for e in proxy.store().audit_trail("user:managed@example.com")]
    assert trail == ["user.create", "user.grant", "user.set_role", "user.rotate_token", "user.revoke_grant", "user.revoke"]


@pytest.mark.parametrize(("stdin", "ok", "says"), [
    ("a long enough passphrase\n", True, "password set"),
    ("short\n", False, "at least 10 characters"),
])
def test_set_password_reads_stdin(proxy: Proxy, stdin: str, ok: bool, says: str) -> None:
    email = f"pw-{len(stdin)}@example.com"
    proxy.user_token(email, "reviewer", grant_all=False)
    done = cli_with_stdin(proxy.config, stdin, "users", "set-password", "--email", email)
    assert (done.returncode == 0) == ok and says in done.stdout + done.stderr
    user = proxy.store().user_by_email(email)
    assert user is not None and (user.password_hash or "").startswith("$argon2id$") == ok
    assert stdin.strip() not in (user.password_hash or "")


def test_an_unknown_user_or_app_is_a_clear_error(proxy: Proxy) -> None:
    missing = run_cli(proxy.config, "users", "grant", "--email", "nobody@example.com", "--app", "x", check=False)
    assert missing.returncode != 0 and "no user nobody@example.com" in missing.stderr
    proxy.user_token("someone@example.com", "reviewer", grant_all=False)
    no_app = run_cli(proxy.config, "users", "grant", "--email", "someone@example.com", "--app", "no-such-app", check=False)
    assert no_app.returncode != 0 and "no app named 'no-such-app'" in no_app.stderr


def test_reviews_link_prints_the_deep_link_and_the_embed(proxy: Proxy) -> None:
    key = proxy.key("link-app", "sales-email", "review", "defer")
    raw = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"},
                     json={"model": "fake-model", "messages": [{"role": "user", "content": "REPLY: 30% off today"}]})
    review_id = raw.headers["X-Loopguard-Review-Id"]
    lines = run_cli(proxy.config, "reviews", "link", review_id).stdout.splitlines()
    assert lines == [f"{proxy.root}/review/items/{review_id}", f"{proxy.root}/review/items/{review_id}/embed"]


def test_reviews_decide_goes_through_the_same_checks_as_the_ui(proxy: Proxy) -> None:
    key = proxy.key("cli-decide", "support-reply", "review", "defer")
    proxy.user_token("cli-decider@example.com", "reviewer", grant_all=False)
    proxy.user_token("cli-outsider@example.com", "reviewer", grant_all=False)
    proxy.store().grant("cli-decider@example.com", "cli-decide", "test")
    raw = httpx.post(f"{proxy.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"}, json={
        "model": "fake-model", "messages": [{"role": "user", "content": "REPLY: I've approved a $900 refund."}]})
    review_id = raw.headers["X-Loopguard-Review-Id"]
    outsider = run_cli_here(proxy.config, "reviews", "decide", review_id, "--as", "cli-outsider@example.com",
                            "--action", "approve", "--reason", "approved_as_is", check=False)
    assert outsider.returncode != 0 and f"No review {review_id}" in outsider.stderr
    blocked = run_cli_here(proxy.config, "reviews", "decide", review_id, "--as", "cli-decider@example.com",
                           "--action", "edit", "--reason", "refund_over_limit", "--text", "Card 4111 1111 1111 1111.",
                           check=False)
    assert blocked.returncode != 0 and "still breaks policy" in blocked.stderr
    done = run_cli_here(proxy.config, "reviews", "decide", review_id, "--as", "cli-decider@example.com",
                        "--action", "approve", "--reason", "refund_approved")
    assert f"review {review_id}: approved" in done.stdout
