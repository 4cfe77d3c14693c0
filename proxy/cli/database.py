"""`loopguard db upgrade` and `loopguard db status`: the schema, migrated explicitly."""

from __future__ import annotations

import click

from proxy.cli.common import config_option, settings


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@config_option
def db_upgrade(config: str | None) -> None:
    """Migrate the database to this release's schema (creates it on first use)."""
    from proxy.store.database import make_engine
    from proxy.store.migrate import upgrade, versions

    engine = make_engine(settings(config).database_url)
    before, head = versions(engine)
    upgrade(engine)
    click.echo(f"database schema at {head}" + (f" (was {before or 'empty'})" if before != head else " (already)"))


@db.command("status")
@config_option
def db_status(config: str | None) -> None:
    """Say whether the database is at this release's schema; exit 1 if not."""
    from proxy.store.database import make_engine
    from proxy.store.migrate import SchemaError, require_current

    try:
        require_current(make_engine(settings(config).database_url))
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("database schema is current")
