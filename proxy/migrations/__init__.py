"""Alembic migrations for loopguard's schema; `proxy.migrate.upgrade` applies them at start-up."""
