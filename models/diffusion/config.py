"""Named presets for model config dataclasses (`paper`, `cpu_small`), shared by every architecture."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, TypeVar

C = TypeVar("C", bound="PresetConfig")

CPU_SMALL = {"width": 64, "ff_width": 128, "heads": 4, "dance_layers": 2, "music_layers": 1, "window": 60}


class PresetConfig:
    """Mixin for frozen config dataclasses: `Config.preset(name, **overrides)` and `to_dict()`."""

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"paper": {}, "cpu_small": CPU_SMALL}

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


@dataclass(frozen=True)
class DanceDiffusionConfig(PresetConfig):
    """Fields every music-to-dance denoiser here shares (widths, depths, the 151-d motion, 35-d music)."""

    width: int = 512
    ff_width: int = 1024
    heads: int = 8
    dance_layers: int = 8
    music_layers: int = 2
    dropout: float = 0.1
    motion_dim: int = 151
    music_dim: int = 35
