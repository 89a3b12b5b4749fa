"""Atomic file writes: an interrupted run never leaves a half-written file under its final name."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path | str, data: bytes) -> None:
    """Write to a temporary name in the same folder, then rename over `path`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
