"""The staff console's own tables: accounts, sessions, login attempts, the audit log, and the
FAQ overlay (alternates staff add from the unanswered inbox)."""
