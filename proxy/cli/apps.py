"""`loopguard keys ...` (app keys) and `loopguard apps ...` (an app's webhook and the
origins that may frame its embedded review items)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from proxy.cli.common import ACTOR, MODES, config_option, settings, store
from proxy.config import ConfigError, Settings

if TYPE_CHECKING:
    from proxy.store.models import App


def _webhook_url(url: str | None) -> str | None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise click.BadParameter("must be an http:// or https:// URL", param_hint="--webhook")
    return url


def _echo_secret(loaded: Settings, app: App) -> None:
    from proxy.review.webhooks import WebhookConfigError, signing_secret

    try:
        secret = signing_secret(loaded.secret_key, app)
    except WebhookConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"webhook secret (shown once; verify X-Loopguard-Signature with it): {secret}")


@click.group()
def keys() -> None:
    """Manage app keys."""


@keys.command("create")
@config_option
@click.option("--app", "app_name", required=True)
@click.option("--policy", required=True)
@click.option("--mode", type=click.Choice(MODES), required=True)
@click.option("--on-hold", type=click.Choice(["wait", "defer"]), default="wait", show_default=True)
@click.option("--webhook", default=None, help="URL that receives signed review events for this app.")
def keys_create(config: str | None, app_name: str, policy: str, mode: str, on_hold: str, webhook: str | None) -> None:
    """Create an app key; the key is the last line of output and is shown only once."""
    from proxy.policy import policy_files

    loaded = settings(config)
    try:
        known = policy_files(loaded.policies_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if policy not in known:
        raise click.ClickException(f"unknown policy {policy!r}; known: {', '.join(sorted(known))}")
    if _webhook_url(webhook) and not loaded.secret_key:
        raise click.ClickException("set secret_key in loopguard.yaml (e.g. secret_key: os.environ/LOOPGUARD_SECRET_KEY) "
                                   "to sign webhooks")
    app, key = store(config).create_app_key(app_name, policy, mode, on_hold, webhook)
    click.echo(f"app {app.name}: policy={app.policy} mode={app.mode} on_hold={app.on_hold}"
               + (f" webhook={app.webhook_url}" if app.webhook_url else ""))
    if webhook:
        _echo_secret(loaded, app)
    click.echo(key)


@keys.command("list")
@config_option
def keys_list(config: str | None) -> None:
    """List keys (prefixes only)."""
    for key, app in store(config).list_keys():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.prefix}…  app={app.name} policy={app.policy} mode={app.mode} on_hold={app.on_hold}  {state}")


@keys.command("revoke")
@config_option
@click.argument("prefix")
def keys_revoke(config: str | None, prefix: str) -> None:
    """Revoke the key(s) starting with PREFIX (as shown by `keys list`)."""
    if len(prefix) < 6:
        raise click.ClickException("give at least 6 characters of the key")
    count = store(config).revoke_key(prefix)
    if not count:
        raise click.ClickException(f"no active key starts with {prefix!r}")
    click.echo(f"revoked {count} key(s)")


@click.group()
def apps() -> None:
    """An app's webhook and the origins allowed to embed its review items."""


@apps.command("list")
@config_option
def apps_list(config: str | None) -> None:
    for app in store(config).list_apps():
        origins = " ".join(app.frame_origins) or "-"
        click.echo(f"{app.name}: policy={app.policy} mode={app.mode} on_hold={app.on_hold} "
                   f"webhook={app.webhook_url or '-'} frame_origins={origins}")


@apps.command("set-webhook")
@config_option
@click.option("--app", "app_name", required=True)
@click.option("--url", default=None, help="The new URL; leave out to remove the webhook.")
def apps_set_webhook(config: str | None, app_name: str, url: str | None) -> None:
    """Set (or remove) the app's webhook; a new URL gets a new signing secret, printed once."""
    from proxy.store.database import StoreError

    loaded = settings(config)
    if _webhook_url(url) and not loaded.secret_key:
        raise click.ClickException("set secret_key in loopguard.yaml to sign webhooks")
    try:
        app = store(config).set_app_webhook(app_name, url, ACTOR)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"app {app.name}: webhook={app.webhook_url or '-'}")
    if url:
        _echo_secret(loaded, app)


@apps.command("frame-origins")
@config_option
@click.option("--app", "app_name", required=True)
@click.argument("origins", nargs=-1)
def apps_frame_origins(config: str | None, app_name: str, origins: tuple[str, ...]) -> None:
    """Origins (https://crm.example.com) that may frame the app's /review/items/ID/embed; none: nobody."""
    from proxy.store.database import StoreError
    from review_ui.accounts.admin import origin_list

    try:
        app = store(config).set_frame_origins(app_name, origin_list(" ".join(origins)), ACTOR)
    except (ValueError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"app {app.name}: frame_origins={' '.join(app.frame_origins) or '-'}")
