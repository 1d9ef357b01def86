"""Prometheus' multiprocess directory for `serve --workers` (no prometheus import here: the
directory must be set before prometheus-client is first imported in the process tree)."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess(run_dir: Path) -> Path:
    """Before any metric exists: a fresh directory every process of this server writes its
    values to (PROMETHEUS_MULTIPROC_DIR if set, else RUN_DIR/metrics)."""
    path = Path(os.environ.get(MULTIPROC_ENV) or run_dir / "metrics")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def keep_existing() -> None:
    """One process (`serve`, `dispatcher`) given PROMETHEUS_MULTIPROC_DIR to share with
    others: make sure it exists, wiping nothing."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)


def process_exited(pid: int) -> None:
    """A worker is gone: its live gauges (the pool in use) no longer count."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
