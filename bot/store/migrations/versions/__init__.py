"""One file per migration; Alembic reads them by file (this file is skipped)."""
