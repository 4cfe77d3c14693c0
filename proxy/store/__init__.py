"""Storage: models, database access, migrations, sealing, retention, quotas, cross-worker notices."""
