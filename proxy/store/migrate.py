"""Schema migrations with Alembic, configured in code.

`loopguard db upgrade` migrates explicitly; `serve` never does (several workers on several
hosts must not race to alter one schema): it refuses to start on a database whose schema is
not exactly this release's (`require_current`). The CLI's other commands and a `Store` opened
directly still upgrade on open, so an embedded SQLite set-up works in one step.

    python -m proxy.store.migrate revision "add webhooks"   # autogenerate a new migration (developers)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _run(engine: Engine, alembic_command: Callable[[Config], object]) -> None:
    """Runs an Alembic command on a connection of `engine` (env.py reads it from the config)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command(config)


class SchemaError(Exception):
    """The database's schema is not the one this release works with; the message says what to run."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def versions(engine: Engine) -> tuple[str | None, str]:
    """(the database's schema revision, or None when it was never migrated; this release's head)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision(), head


def require_current(engine: Engine) -> None:
    """Raises SchemaError unless the database is at exactly this release's schema."""
    current, head = versions(engine)
    if current == head:
        return
    if current is None:
        raise SchemaError("the database has no loopguard schema yet: run `loopguard db upgrade` first")
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current not in known:
        raise SchemaError(f"the database's schema ({current}) is newer than this loopguard knows (head {head}): "
                          "upgrade loopguard, or point it at another database")
    raise SchemaError(f"the database's schema ({current}) is older than this loopguard's ({head}): "
                      "run `loopguard db upgrade`")


def upgrade(engine: Engine) -> None:
    """Brings the database to the newest schema (creates it on first use)."""
    _run(engine, lambda config: command.upgrade(config, "head"))


def check(engine: Engine) -> None:
    """Raises if the models describe a schema the migrations do not produce."""
    _run(engine, command.check)


def revision(engine: Engine, message: str) -> None:
    _run(engine, lambda config: command.revision(config, message=message, autogenerate=True))


if __name__ == "__main__":
    from proxy.store.database import make_engine

    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        raise SystemExit('usage: python -m proxy.store.migrate revision "message"')
    scratch = make_engine("sqlite://")
    upgrade(scratch)
    revision(scratch, sys.argv[2])
