"""Alembic's environment and migrations, inside the package so that an installed wheel can run
`linzhu db upgrade` (bot/store/migrate.py points Alembic here)."""
