"""Measurements by what was measured (content sha256) and how (the protocol): a JSON file of key -> value."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from personlab.files import atomic_write


def file_sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def key(*parts) -> str:
    """A stable key of JSON-able parts (content hashes, settings, the protocol)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Cache:
    """Reads once, writes after every new entry (an interrupted report keeps what it measured)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.hits = self.misses = 0
        try:
            self.entries = json.loads(path.read_text()) if path and path.is_file() else {}
        except ValueError:
            self.entries = {}  # a corrupt cache is only lost time

    def get(self, k: str):
        value = self.entries.get(k)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, k: str, value) -> None:
        self.entries[k] = value
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(self.entries, indent=1).encode())
