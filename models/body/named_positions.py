"""Joint positions on any named skeleton (.npz or .csv), read and retargeted onto SMPL-24 by a skeleton map.

- `.npz`: `positions` (T,J,3), `joint_names` (J,) strings; optional `fps` and `metres_per_unit` scalars.
- `.csv`: a header of `<joint>.x,<joint>.y,<joint>.z` triples (also `_x` or ` x`; any case), optionally
  led by a `time` column in seconds (gives the rate) or a `frame` column; one row per frame.
Units default to the map's `metres_per_unit`, else metres.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from models.array_files import load_npz
from models.body.formats_io import check_finite, require_file
from models.command_line import InputError
from models.body.motion import Motion
from models.body.skeleton_map import SkeletonMap, detect_skeleton_map, retarget_named

NAMED_POSITION_SUFFIXES = (".npz", ".csv")
_AXIS_COLUMN = re.compile(r"^(?P<joint>.+?)[._ ](?P<axis>[xyzXYZ])$")


@dataclass(frozen=True, eq=False)
class NamedPositions:
    """Joint positions (T,J,3) in file units with their joint names, and the rate/unit the file states."""

    positions: np.ndarray
    names: tuple[str, ...]
    fps: float | None
    metres_per_unit: float | None
    source: str

    def to_motion(self, skeleton_map: SkeletonMap | None = None, fps: float | None = None) -> Motion:
        """SMPL-24 Motion by the map (default: the shipped map the names fit); `fps` when the file has none."""
        rate = fps if fps is not None else self.fps
        if rate is None:
            raise ValueError(f"{self.source}: joint positions carry no frame rate (no 'fps' / 'time'); pass --fps")
        mapping = skeleton_map or detect_skeleton_map(self.names, self.source)
        if self.metres_per_unit is not None:  # the file's own unit wins over the map's default
            mapping = replace(mapping, metres_per_unit=self.metres_per_unit)
        return retarget_named(self.positions, self.names, rate, self.source, mapping)


def read_named_positions(path: str | Path) -> NamedPositions:
    """Named joint positions from .npz or .csv (layouts in the module doc); errors name the file."""
    path = require_file(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        result = _read_npz(path)
    elif suffix == ".csv":
        result = _read_csv(path)
    else:
        raise ValueError(f"{path}: named joint positions must be .npz or .csv, got {suffix!r}")
    if result.positions.ndim != 3 or result.positions.shape[1:] != (len(result.names), 3) or not len(result.positions):
        raise ValueError(f"{path}: positions must be (T,{len(result.names)},3) for {len(result.names)} joint names, "
                         f"got {result.positions.shape}")  # fmt: skip
    check_finite(result.positions, str(path))
    return result


def _scalar(archive: dict[str, np.ndarray], key: str) -> float | None:
    return float(archive[key]) if key in archive else None


def _read_npz(path: Path) -> NamedPositions:
    archive = load_npz(path)  # headers checked first; InputError naming the file
    try:
        missing = [k for k in ("positions", "joint_names") if k not in archive]
        if missing:
            raise ValueError(f"missing arrays {missing} (has {sorted(archive)})")
        return NamedPositions(np.asarray(archive["positions"], np.float64),
                              tuple(str(n) for n in archive["joint_names"]), _scalar(archive, "fps"),
                              _scalar(archive, "metres_per_unit"), str(path))  # fmt: skip
    except (ValueError, TypeError) as error:
        raise InputError(path, f"not a named-positions .npz ({error})") from None


def _read_csv(path: Path) -> NamedPositions:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header = [h.strip() for h in rows[0]]
        lead = 1 if header[0].lower() in ("time", "frame") else 0
        matches = [_AXIS_COLUMN.match(h) for h in header[lead:]]
        if not matches or any(m is None for m in matches) or len(matches) % 3:
            raise ValueError("header must be [time|frame,] then <joint>.x,<joint>.y,<joint>.z per joint")
        names = tuple(m.group("joint") for m in matches[::3])  # type: ignore[union-attr]
        axes = ["".join(m.group("axis").lower() for m in matches[k : k + 3]) for k in range(0, len(matches), 3)]  # type: ignore[union-attr]
        bad = [n for n, a, k in zip(names, axes, range(0, len(matches), 3))
               if a != "xyz" or {m.group("joint") for m in matches[k : k + 3]} != {n}]  # type: ignore[union-attr]
        if bad:
            raise ValueError(f"columns of joints {bad} are not in x, y, z order")
        values = np.array([[float(v) for v in row] for row in rows[1:] if row], dtype=np.float64)
    except (IndexError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: not a named-positions CSV ({error})") from error
    fps = None
    if lead and header[0].lower() == "time" and len(values) > 1:
        fps = float(1.0 / np.median(np.diff(values[:, 0])))
    return NamedPositions(values[:, lead:].reshape(len(values), len(names), 3), names, fps, None, str(path))
