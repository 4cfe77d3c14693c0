"""Schema migrations with Alembic, configured in code: every Store upgrades its database to head.

    python -m proxy.migrate revision "add webhooks"   # autogenerate a new migration (developers)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _run(engine: Engine, alembic_command: Callable[[Config], object]) -> None:
    """Runs an Alembic command on a connection of `engine` (env.py reads it from the config)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command(config)


def upgrade(engine: Engine) -> None:
    """Brings the database to the newest schema (creates it on first use)."""
    _run(engine, lambda config: command.upgrade(config, "head"))


def check(engine: Engine) -> None:
    """Raises if the models describe a schema the migrations do not produce."""
    _run(engine, command.check)


def revision(engine: Engine, message: str) -> None:
    _run(engine, lambda config: command.revision(config, message=message, autogenerate=True))


if __name__ == "__main__":
    from proxy.store import make_engine

    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        raise SystemExit('usage: python -m proxy.migrate revision "message"')
    scratch = make_engine("sqlite://")
    upgrade(scratch)
    revision(scratch, sys.argv[2])
