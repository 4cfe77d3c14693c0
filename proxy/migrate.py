"""Schema migrations with Alembic, configured in code: every Store upgrades its database to head.

    python -m proxy.migrate revision "add webhooks"   # autogenerate a new migration (developers)
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Brings the database to the newest schema (creates it on first use)."""
    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def revision(engine: Engine, message: str) -> None:
    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    from proxy.store import make_engine

    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        raise SystemExit('usage: python -m proxy.migrate revision "message"')
    scratch = make_engine("sqlite://")
    upgrade(scratch)
    revision(scratch, sys.argv[2])
