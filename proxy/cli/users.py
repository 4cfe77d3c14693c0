"""`loopguard users ...`: reviewers, leads, admins and ML users, their passwords, tokens,
roles and granted apps. Every change is written to the audit log."""

from __future__ import annotations

import sys

import click

from proxy.cli.common import ACTOR, ROLES, config_option, store


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group()
def users() -> None:
    """Manage reviewers, leads, admins and ML users."""


@users.command("create")
@config_option
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
def users_create(config: str | None, email: str, role: str) -> None:
    """Create a user; refuses an existing email. The API token is the last line."""
    from proxy.store.database import StoreError

    try:
        user, token = store(config).create_user(email, role, ACTOR)
    except StoreError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {user.email}: role={user.role}")
    click.echo(token)


@users.command("set-password")
@config_option
@click.option("--email", required=True)
def users_set_password(config: str | None, email: str) -> None:
    """Set the browser sign-in password: read from stdin when piped, else prompted twice."""
    from proxy.store.database import StoreError
    from review_ui.accounts.auth import hash_password

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = store(config).set_password_hash(email, hash_password(password), ACTOR)
    except (ValueError, StoreError) as exc:
        raise _fail(exc) from exc
    click.echo(f"password set for {user.email}; their other sessions were signed out")


@users.command("list")
@config_option
def users_list(config: str | None) -> None:
    """Users with role, granted apps, sign-in and state."""
    for user, apps in store(config).list_users():
        granted = "all apps" if user.role == "admin" else (", ".join(apps) or "no apps")
        state = f"revoked {user.disabled_at:%Y-%m-%d}" if user.disabled_at else "active"
        password = "password" if user.password_hash else "no password"
        click.echo(f"{user.email}  role={user.role}  apps={granted}  {password}  {state}")


@users.command("grant")
@config_option
@click.option("--email", required=True)
@click.option("--app", "app_name", required=True)
def users_grant(config: str | None, email: str, app_name: str) -> None:
    """Let the user see (and by role decide) the app's review items."""
    from proxy.store.database import StoreError

    try:
        changed = store(config).grant(email, app_name, ACTOR)
    except StoreError as exc:
        raise _fail(exc) from exc
    click.echo(f"{email}: granted {app_name}" + ("" if changed else " (already granted)"))


@users.command("revoke")
@config_option
@click.option("--email", required=True)
@click.option("--app", "app_name", default=None, help="Revoke only this app's grant; without it the user is revoked.")
def users_revoke(config: str | None, email: str, app_name: str | None) -> None:
    """Revoke one app's grant, or (without --app) the user: token, password and sessions stop working."""
    from proxy.store.database import StoreError

    try:
        if app_name:
            changed = store(config).revoke_grant(email, app_name, ACTOR)
            click.echo(f"{email}: revoked {app_name}" + ("" if changed else " (was not granted)"))
            return
        user = store(config).disable_user(email, ACTOR)
    except StoreError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {user.email} revoked: token, password and sessions no longer work")


@users.command("set-role")
@config_option
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
def users_set_role(config: str | None, email: str, role: str) -> None:
    from proxy.store.database import StoreError

    try:
        user = store(config).set_role(email, role, ACTOR)
    except StoreError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {user.email}: role={user.role}")


@users.command("rotate-token")
@config_option
@click.option("--email", required=True)
def users_rotate_token(config: str | None, email: str) -> None:
    """A new API token (the last line); the old one stops working."""
    from proxy.store.database import StoreError

    try:
        token = store(config).rotate_token(email, ACTOR)
    except StoreError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {email}: new token")
    click.echo(token)
