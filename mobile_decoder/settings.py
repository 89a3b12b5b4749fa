"""The decoder settings an artifact carries (its metadata's "decoder" object), checked once.

The defaults are written by the exporter (personlab/decoder_config.py is their one source); this
decoder only reads them, so it restates no number. Each value keeps the type it has in the
metadata (bool, int or float); overrides must name an existing setting and keep its type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mobile_decoder.errors import MetadataError


class SettingsError(MetadataError):
    """A decoder setting is missing, unknown, of the wrong type or out of range."""


class MissingSetting(SettingsError, AttributeError):
    """The metadata's decoder settings lack one this decoder reads."""


class Settings:
    """Read-only decoder settings with attribute access: `Settings.from_metadata(meta).max_people`."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]):
        checked = {}
        for name, value in values.items():
            if isinstance(value, bool):
                checked[name] = value
            elif isinstance(value, int | float):
                if not math.isfinite(value) or value < 0:
                    raise SettingsError(f"decoder setting {name} = {value!r}: need a finite number >= 0")
                checked[name] = value
            else:
                raise SettingsError(f"decoder setting {name} = {value!r}: need a number or a bool")
        object.__setattr__(self, "_values", checked)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any], section: str = "decoder", **overrides: Any) -> Settings:
        """The settings of one metadata section ("decoder"; the tracker has its own), with overrides."""
        values = metadata.get(section) if isinstance(metadata, Mapping) else None
        if not isinstance(values, Mapping):
            raise SettingsError(f"metadata has no {section} settings (a {section!r} object)")
        return cls(values).replace(**overrides)

    def replace(self, **overrides: Any) -> Settings:
        for name, value in overrides.items():
            if name not in self._values:
                raise SettingsError(f"unknown decoder setting {name!r} (known: {', '.join(sorted(self._values))})")
            if type(value) is not type(self._values[name]) and not (
                isinstance(value, int) and not isinstance(value, bool) and isinstance(self._values[name], float)
            ):
                raise SettingsError(f"decoder setting {name} = {value!r}: need a {type(self._values[name]).__name__}")
        return Settings({**self._values, **overrides})

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise MissingSetting(f"the metadata's decoder settings lack {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Settings are read-only: use replace()")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"
