"""Alembic migrations for loopguard's schema; `proxy.store.migrate.upgrade` applies them at start-up."""
