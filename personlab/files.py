"""Atomic file writes: an interrupted run never leaves a half-written file under its final name."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path | str, data: bytes) -> None:
    """Write to a temporary name in the same folder, then rename over `path`; the temporary file never
    stays behind (a full disk, a permission error or an interrupt removes it)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_all(files: dict[Path, bytes]) -> None:
    """Several files that belong together (an artifact and its metadata): all are written to temporary
    names first and renamed only when every one is complete, the last one named first."""
    tmps = {path: path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in files}
    try:
        for path, data in files.items():
            if path.is_dir():
                raise IsADirectoryError(f"cannot write {path}: it is a directory")
            tmps[path].write_bytes(data)
        for path in reversed(list(files)):
            os.replace(tmps[path], path)
    finally:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
