"""The `loopguard` command. Every command reads --config, else $LOOPGUARD_CONFIG, else ./loopguard.yaml.

Imports stay inside commands so `keys` and `users` start fast (no NLP, no litellm).
"""

from __future__ import annotations

import logging
import sys

import click

from proxy.config import ConfigError, Settings, config_path, load_settings

MODES = ["monitor", "review", "command"]
ROLES = ["reviewer", "lead", "admin", "ml"]


def _settings(config: str | None) -> Settings:
    try:
        return load_settings(config_path(config))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _store(config: str | None):  # type: ignore[no-untyped-def]
    from proxy.store import Store

    return Store(_settings(config).database_url)


config_option = click.option("--config", "config", default=None, help="Path to loopguard.yaml.")


@click.group()
def main() -> None:
    """loopguard: an OpenAI-compatible guardrail proxy with human review."""


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=4000, show_default=True, type=int)
@click.option("--log-level", default="info", show_default=True)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (about one per core); they share the database.")
def serve(config: str | None, host: str, port: int, log_level: str, workers: int) -> None:
    """Run the proxy."""
    import os

    import uvicorn

    from proxy.app import create_app
    from proxy.gateway import Gateway

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings(config)
    if workers > 1:  # each worker builds its gateway from the config (proxy.serving); migrate once first
        _store(config)
        os.environ["LOOPGUARD_CONFIG"] = str(config_path(config).resolve())
        click.echo(f"loopguard: {workers} workers, models {', '.join(settings.model_names)}; "
                   f"listening on http://{host}:{port}", err=True)
        uvicorn.run("proxy.serving:worker_app", factory=True, workers=workers, host=host, port=port, log_level=log_level)
        return
    try:
        gateway = Gateway.build(settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"loopguard: {len(gateway.policies)} policies, models {', '.join(settings.model_names)}; "
               f"listening on http://{host}:{port}", err=True)
    uvicorn.run(create_app(gateway), host=host, port=port, log_level=log_level)


@main.command()
def demo() -> None:
    """Run the proxy in front of a local SmolLM2 model and show mask, hold and block."""
    from proxy.demo import main as run_demo

    run_demo()


@main.group()
def keys() -> None:
    """Manage app keys."""


@keys.command("create")
@config_option
@click.option("--app", "app_name", required=True)
@click.option("--policy", required=True)
@click.option("--mode", type=click.Choice(MODES), required=True)
@click.option("--on-hold", type=click.Choice(["wait", "defer"]), default="wait", show_default=True)
def keys_create(config: str | None, app_name: str, policy: str, mode: str, on_hold: str) -> None:
    """Create an app key; the key is the last line of output and is shown only once."""
    from proxy.policy import policy_files

    settings = _settings(config)
    try:
        known = policy_files(settings.policies_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if policy not in known:
        raise click.ClickException(f"unknown policy {policy!r}; known: {', '.join(sorted(known))}")
    app, key = _store(config).create_app_key(app_name, policy, mode, on_hold)
    click.echo(f"app {app.name}: policy={app.policy} mode={app.mode} on_hold={app.on_hold}")
    click.echo(key)


@keys.command("list")
@config_option
def keys_list(config: str | None) -> None:
    """List keys (prefixes only)."""
    for key, app in _store(config).list_keys():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.prefix}…  app={app.name} policy={app.policy} mode={app.mode} on_hold={app.on_hold}  {state}")


@keys.command("revoke")
@config_option
@click.argument("prefix")
def keys_revoke(config: str | None, prefix: str) -> None:
    """Revoke the key(s) starting with PREFIX (as shown by `keys list`)."""
    if len(prefix) < 6:
        raise click.ClickException("give at least 6 characters of the key")
    count = _store(config).revoke_key(prefix)
    if not count:
        raise click.ClickException(f"no active key starts with {prefix!r}")
    click.echo(f"revoked {count} key(s)")


@main.group()
def users() -> None:
    """Manage reviewers, leads, admins and ML users."""


@users.command("create")
@config_option
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
def users_create(config: str | None, email: str, role: str) -> None:
    """Create a user (or give an existing one a new token); the token is the last line."""
    user, token = _store(config).create_user(email, role)
    click.echo(f"user {user.email}: role={user.role}")
    click.echo(token)


@main.group()
def policy() -> None:
    """Work with policies."""


@policy.command("test")
@config_option
@click.argument("name")
def policy_test(config: str | None, name: str) -> None:
    """Run NAME's playbook; exit 1 on any example that does not get its expected decision."""
    from proxy.playbook import run_playbook

    settings = _settings(config)
    try:
        results = run_playbook(settings, name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    misses = [r for r in results if not r.passed]
    for r in results:
        mark = "ok  " if r.passed else "MISS"
        click.echo(f"{mark} expect={r.expect:<5} got={r.got:<5} rules={','.join(r.rules) or '-'}  {r.text[:70]}")
    click.echo(f"{len(results) - len(misses)} passed, {len(misses)} failed")
    if misses or not results:
        sys.exit(1)


@main.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("verify")
@config_option
def audit_verify(config: str | None) -> None:
    """Check the audit log's hash chain."""
    count, broken = _store(config).verify_audit()
    if broken is not None:
        raise click.ClickException(f"audit log broken at row {broken} (checked {count} rows)")
    click.echo(f"audit log intact: {count} rows")


if __name__ == "__main__":  # pragma: no cover
    main()
