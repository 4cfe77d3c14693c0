"""`loopguard policy test`, `loopguard audit verify` and `loopguard prune`."""

from __future__ import annotations

import sys

import click

from proxy.cli.common import config_option, settings, store
from proxy.config import ConfigError


@click.group()
def policy() -> None:
    """Work with policies."""


@policy.command("test")
@config_option
@click.argument("name")
def policy_test(config: str | None, name: str) -> None:
    """Run NAME's playbook; exit 1 on any example that does not get its expected decision."""
    from proxy.review.playbook import run_playbook

    try:
        results = run_playbook(settings(config), name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    misses = [r for r in results if not r.passed]
    for r in results:
        mark = "ok  " if r.passed else "MISS"
        click.echo(f"{mark} expect={r.expect:<5} got={r.got:<5} rules={','.join(r.rules) or '-'}  {r.text[:70]}")
    click.echo(f"{len(results) - len(misses)} passed, {len(misses)} failed")
    if misses or not results:
        sys.exit(1)


@click.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("verify")
@config_option
def audit_verify(config: str | None) -> None:
    """Check the audit log's hash chain."""
    count, broken = store(config).verify_audit()
    if broken is not None:
        raise click.ClickException(f"audit log broken at row {broken} (checked {count} rows)")
    click.echo(f"audit log intact: {count} rows")


@click.command()
@config_option
@click.option("--older-than", "older_than", required=True, help="Age such as 30d, 12h or 90m.")
@click.option("--force", is_flag=True, help="Also delete interactions whose review was decided (their decisions "
                                            "go too). Open reviews are always kept.")
def prune(config: str | None, older_than: str, force: bool) -> None:
    """Delete interactions older than the retention period (never open reviews)."""
    from proxy.store.retention import parse_age
    from proxy.store.retention import prune as run_prune

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    done = run_prune(store(config), age, force)
    click.echo(f"deleted {done.interactions} interactions and {done.review_items} review items; kept "
               f"{done.kept_open} with open reviews and {done.kept_decided} with decided reviews"
               + ("" if force else " (--force deletes those)"))
