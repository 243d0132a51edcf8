"""Named presets for config dataclasses: `Config.preset(name, **overrides)` and `to_dict()`, for any model family."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, ClassVar, TypeVar

C = TypeVar("C", bound="PresetConfig")

class PresetConfig:
    """Mixin for frozen config dataclasses: `Config.preset(name, **overrides)` and `to_dict()`."""

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"paper": {}}

    @classmethod
    def preset(cls: type[C], name: str, **overrides: Any) -> C:
        """The named preset with `overrides` applied; unknown names list the known ones."""
        if name not in cls.PRESETS:
            raise ValueError(f"unknown {cls.__name__} preset {name!r}; expected one of {sorted(cls.PRESETS)}")
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"{cls.__name__} has no fields {unknown}")
        return cls(**{**cls.PRESETS[name], **overrides})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]
