"""What every command shares: the config option, settings, the store, and the choices.

Imports of heavy modules stay inside commands so `keys` and `users` start fast (no NLP,
no litellm).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from proxy.config import ConfigError, Settings, config_path, load_settings

if TYPE_CHECKING:
    from proxy.store.database import Store

MODES = ["monitor", "review", "command"]
ROLES = ["reviewer", "lead", "admin", "ml"]
ACTOR = "cli"

config_option = click.option("--config", "config", default=None, help="Path to loopguard.yaml.")


def settings(config: str | None) -> Settings:
    try:
        return load_settings(config_path(config))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def store(config: str | None) -> Store:
    from proxy.store.database import Store

    return Store(settings(config).database_url)
