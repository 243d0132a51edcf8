"""Joint maps from any named skeleton onto SMPL-24, so mocap of other rigs can be retargeted and scored.

A map gives each SMPL-24 joint its target as one source joint or an affine mix of several (virtual
joints: weights summing to 1, e.g. a collar halfway between two captured joints, or a negative weight to
extrapolate a hand past the wrist), plus the file's unit and up axis. Maps are YAML files
(`models/body/skeleton_maps/*.yaml` ship for CMU, Mixamo and Xsens MVN rigs; `--skeleton-map FILE` for
others): `{name, metres_per_unit, up: y|z, joints: {smpl_joint: SourceJoint | {SourceA: w, SourceB: w}}}`.
Source names match after dropping a namespace ("mixamorig:Hips" -> "Hips"); files whose joints carry the
SMPL-24 names need no map.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from models.body.motion import Motion
from models.body.retarget import bone_direction_errors, retarget_positions
from models.body.skeleton import SMPL24

logger = logging.getLogger(__name__)

SHIPPED_MAPS = Path(__file__).parent / "skeleton_maps"


def plain_name(name: str) -> str:
    """A joint name without its namespace prefix ("mixamorig:LeftArm" -> "LeftArm")."""
    return name.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class SkeletonMap:
    """SMPL-24 joint -> {source joint: weight}; source lengths in metres_per_unit; which axis is up."""

    name: str
    joints: dict[str, dict[str, float]]
    metres_per_unit: float | None = None  # None: the reader's own unit
    up: str = "y"

    def __post_init__(self) -> None:
        missing = [j for j in SMPL24.joint_names if j not in self.joints]
        extra = sorted(set(self.joints) - set(SMPL24.joint_names))
        if missing or extra:
            raise ValueError(f"skeleton map {self.name!r}: missing SMPL-24 joints {missing}, unknown {extra}")
        for joint, mix in self.joints.items():
            if not mix or abs(sum(mix.values()) - 1.0) > 1e-6:
                raise ValueError(f"skeleton map {self.name!r}: weights of {joint!r} must sum to 1, got {mix}")
        if self.up not in ("y", "z") or not (self.metres_per_unit is None or self.metres_per_unit > 0):
            raise ValueError(f"skeleton map {self.name!r}: up must be y or z and metres_per_unit > 0")

    @property
    def sources(self) -> set[str]:
        """Every source joint the map reads."""
        return {source for mix in self.joints.values() for source in mix}

    def unmapped(self, names: tuple[str, ...] | list[str]) -> list[str]:
        """Source joints the map needs that `names` lacks (namespaces ignored)."""
        present = {plain_name(n) for n in names}
        return sorted(self.sources - present)

    def targets(self, positions: np.ndarray, names: tuple[str, ...] | list[str], where: str = "",
                default_metres_per_unit: float = 1.0) -> np.ndarray:
        """SMPL-24 target positions (T,24,3), metres, y-up, from source positions (T,J,3) named `names` in file units."""
        missing = self.unmapped(names)
        if missing:
            raise ValueError(f"{where or 'positions'}: skeleton map {self.name!r} needs joints {missing}, "
                             f"absent from the file's {len(names)} joints")  # fmt: skip
        index = {plain_name(n): i for i, n in enumerate(names)}
        mix = np.zeros((SMPL24.num_joints, len(names)))
        for j, joint in enumerate(SMPL24.joint_names):
            for source, weight in self.joints[joint].items():
                mix[j, index[source]] = weight
        out = np.einsum("sr,trc->tsc", mix, np.asarray(positions, np.float64))
        out = out * (default_metres_per_unit if self.metres_per_unit is None else self.metres_per_unit)
        if self.up == "z":  # z-up right-handed -> y-up: (x, y, z) -> (x, z, -y)
            out = np.stack([out[..., 0], out[..., 2], -out[..., 1]], axis=-1)
        return out


def read_skeleton_map(path: str | Path) -> SkeletonMap:
    """A map from YAML (schema in the module doc); ValueError naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such skeleton map (shipped: {', '.join(shipped_map_names())})")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        joints = {joint: ({source: 1.0} if isinstance(source, str) else {str(k): float(v) for k, v in source.items()})
                  for joint, source in doc["joints"].items()}  # fmt: skip
        unit = doc.get("metres_per_unit")
        return SkeletonMap(str(doc.get("name", path.stem)), joints, None if unit is None else float(unit),
                           str(doc.get("up", "y")))  # fmt: skip
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a valid skeleton map ({error})") from error


def shipped_map_names() -> list[str]:
    """Names of the maps that ship with the suite."""
    return sorted(p.stem for p in SHIPPED_MAPS.glob("*.yaml"))


def skeleton_map(name_or_path: str | Path) -> SkeletonMap:
    """A shipped map by name (e.g. "cmu") or a map file by path."""
    shipped = SHIPPED_MAPS / f"{name_or_path}.yaml"
    return read_skeleton_map(shipped if shipped.is_file() else Path(name_or_path))


SMPL_IDENTITY = SkeletonMap("smpl24", {j: {j: 1.0} for j in SMPL24.joint_names})


def detect_skeleton_map(names: tuple[str, ...] | list[str], where: str) -> SkeletonMap:
    """The shipped map whose every source joint `names` holds (the one reading most joints), else a clear error."""
    candidates = [SMPL_IDENTITY, *(skeleton_map(n) for n in shipped_map_names())]
    fitting = [m for m in candidates if not m.unmapped(names)]
    if fitting:
        return max(fitting, key=lambda m: len(m.sources))
    closest = min(candidates, key=lambda m: len(m.unmapped(names)))
    raise ValueError(
        f"{where}: joints {[plain_name(n) for n in names][:8]}... are not SMPL and match no shipped skeleton map "
        f"(closest {closest.name!r} lacks {closest.unmapped(names)}); pass --skeleton-map FILE.yaml "
        f"(format: models/body/skeleton_map.py)"
    )


def retarget_named(positions: np.ndarray, names: tuple[str, ...] | list[str], fps: float, where: str,
                   mapping: SkeletonMap | None = None, default_metres_per_unit: float = 1.0) -> Motion:
    """SMPL-24 Motion from joint positions (T,J,3) in file units on any named skeleton, via `mapping`
    (default: the shipped map the names fit); the median bone-direction error is logged."""
    mapping = mapping or detect_skeleton_map(names, where)
    targets = mapping.targets(positions, names, where, default_metres_per_unit=default_metres_per_unit)
    motion = retarget_positions(targets, fps)
    error = float(np.median(bone_direction_errors(motion, targets)[:, 1:]))
    logger.info("%s: retargeted onto SMPL-24 by skeleton map %r, median bone-direction error %.2f deg",
                where, mapping.name, error)  # fmt: skip
    return motion
