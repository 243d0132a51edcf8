"""Reader for RAMDanceToolkit motion-capture TSV takes, and their joint map onto SMPL-24.

A row is the toolkit's OSC skeleton message: tag, take name, joint count, then per joint NAME, x, y,
z (cm, relative to the parent joint, in the parent's frame; the root's is absolute), angle (degrees)
and axis x, y, z (the local rotation), then a timestamp in seconds. The frame is right-handed, y-up
(the floor is y = 0), and the world pose follows openFrameworks' ofNode chaining:
p_j = p_parent + R_parent @ offset_j, R_j = R_parent @ R_local_j.

The logger writes rows at ~61 Hz but new samples arrive irregularly (every 2-3 ticks of a 60 Hz
clock, sometimes more): in the bundled Cyril take 324 of 504 rows repeat the previous sample and
only 180 distinct samples span 8.22 s. The reader therefore keeps one row per timestamp and
resamples onto a uniform clock (slerp of local rotations, linear offsets) before FK.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.body.formats_io import require_file
from models.body.rotations import (
    axis_angle_to_quaternion,
    quaternion_slerp,
    quaternion_to_matrix,
)
from models.body.skeleton import SMPL24

logger = logging.getLogger(__name__)

_PARENT_OF = {
    "HIPS": None,
    "ABDOMEN": "HIPS", "CHEST": "ABDOMEN", "NECK": "CHEST", "HEAD": "NECK",
    "LEFT_HIP": "HIPS", "LEFT_KNEE": "LEFT_HIP", "LEFT_ANKLE": "LEFT_KNEE", "LEFT_TOE": "LEFT_ANKLE",
    "RIGHT_HIP": "HIPS", "RIGHT_KNEE": "RIGHT_HIP", "RIGHT_ANKLE": "RIGHT_KNEE", "RIGHT_TOE": "RIGHT_ANKLE",
    "LEFT_COLLAR": "CHEST", "LEFT_SHOULDER": "LEFT_COLLAR", "LEFT_ELBOW": "LEFT_SHOULDER",
    "LEFT_WRIST": "LEFT_ELBOW", "LEFT_HAND": "LEFT_WRIST",
    "RIGHT_COLLAR": "CHEST", "RIGHT_SHOULDER": "RIGHT_COLLAR", "RIGHT_ELBOW": "RIGHT_SHOULDER",
    "RIGHT_WRIST": "RIGHT_ELBOW", "RIGHT_HAND": "RIGHT_WRIST",
}  # fmt: skip  (ramActor::setupTree)

RAM_JOINT_NAMES: tuple[str, ...] = tuple(_PARENT_OF)
RAM_PARENTS: tuple[int, ...] = tuple(
    -1 if parent is None else RAM_JOINT_NAMES.index(parent) for parent in _PARENT_OF.values()
)

_CM = 0.01
_FIELDS_PER_JOINT = 8

# SMPL-24 joint -> its target position as a weighted sum of RAM joint positions. Captured joints map
# one to one. Four SMPL joints have no RAM twin and are interpolated (measured on Cyril, these choices
# cut the best-fit residual at the pelvis from 18-32 to 13-15 degrees and at spine3 from 6-18 to 6-9):
# - pelvis: halfway from the hip centres to ABDOMEN (RAM's HIPS marker sits ~6 cm off that line,
#   where SMPL's pelvis lies almost on it);
# - spine3: halfway up RAM's rigid 35 cm CHEST->NECK segment (SMPL's spine3 is ~48% of the way from
#   spine1 to the neck);
# - collars: halfway from RAM's collar (at the sternal notch, 2.6 cm off the midline) to the shoulder
#   (SMPL's collar sits ~7 cm out).
# Leaf joints (feet, head, hands) only fix their parent's bone direction; their own rotation stays
# identity, so head/foot/hand twist beyond those directions is not recovered.
RAM_TO_SMPL24: dict[str, dict[str, float]] = {
    "pelvis": {"LEFT_HIP": 0.25, "RIGHT_HIP": 0.25, "ABDOMEN": 0.5},
    "left_hip": {"LEFT_HIP": 1.0},
    "right_hip": {"RIGHT_HIP": 1.0},
    "spine1": {"ABDOMEN": 1.0},
    "left_knee": {"LEFT_KNEE": 1.0},
    "right_knee": {"RIGHT_KNEE": 1.0},
    "spine2": {"CHEST": 1.0},
    "left_ankle": {"LEFT_ANKLE": 1.0},
    "right_ankle": {"RIGHT_ANKLE": 1.0},
    "spine3": {"CHEST": 0.5, "NECK": 0.5},
    "left_foot": {"LEFT_TOE": 1.0},
    "right_foot": {"RIGHT_TOE": 1.0},
    "neck": {"NECK": 1.0},
    "left_collar": {"LEFT_COLLAR": 0.5, "LEFT_SHOULDER": 0.5},
    "right_collar": {"RIGHT_COLLAR": 0.5, "RIGHT_SHOULDER": 0.5},
    "head": {"HEAD": 1.0},
    "left_shoulder": {"LEFT_SHOULDER": 1.0},
    "right_shoulder": {"RIGHT_SHOULDER": 1.0},
    "left_elbow": {"LEFT_ELBOW": 1.0},
    "right_elbow": {"RIGHT_ELBOW": 1.0},
    "left_wrist": {"LEFT_WRIST": 1.0},
    "right_wrist": {"RIGHT_WRIST": 1.0},
    "left_hand": {"LEFT_HAND": 1.0},
    "right_hand": {"RIGHT_HAND": 1.0},
}

# SMPL-24 joints whose target is interpolated rather than a captured joint.
INTERPOLATED_SMPL24_JOINTS: tuple[str, ...] = tuple(k for k, mix in RAM_TO_SMPL24.items() if len(mix) > 1)


@dataclass(frozen=True, eq=False)
class MocapTake:
    """World joint positions (T,J,3) of one take on a uniform clock (metres, y-up, right-handed)."""

    name: str
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    positions: np.ndarray
    fps: float


@dataclass(frozen=True, eq=False)
class _Samples:
    times: np.ndarray  # (N,) seconds, strictly increasing
    offsets: np.ndarray  # (N,J,3) metres; the root's is its absolute position
    axis_angles: np.ndarray  # (N,J,3) local rotations, radians


def _parse_row(path: Path, line_no: int, line: str) -> tuple[str, list[str], np.ndarray, float]:
    fields = line.rstrip("\r\n").split("\t")
    where = f"{path}: line {line_no}"
    if len(fields) < 4:
        raise ValueError(f"{where}: expected tag, take name, joint count and joints, got {len(fields)} fields")
    try:
        count = int(fields[2])
    except ValueError as error:
        raise ValueError(f"{where}: joint count {fields[2]!r} is not an integer") from error
    expected = 3 + count * _FIELDS_PER_JOINT + 1
    if count < 1 or len(fields) != expected:
        raise ValueError(f"{where}: {count} joints need {expected} fields, got {len(fields)}")
    body = np.array(fields[3:-1], dtype=object).reshape(count, _FIELDS_PER_JOINT)
    names = [str(n) for n in body[:, 0]]
    try:
        values = body[:, 1:].astype(np.float64)
        stamp = float(fields[-1])
    except ValueError as error:
        raise ValueError(f"{where}: non-numeric joint value or timestamp ({error})") from error
    if not (np.isfinite(values).all() and math.isfinite(stamp)):
        raise ValueError(f"{where}: NaN or infinite joint value or timestamp")
    return fields[1], names, values, stamp


def _read_samples(path: Path) -> tuple[str, _Samples]:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a readable RAMDanceToolkit TSV ({error})") from error
    rows = [_parse_row(path, i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not rows:
        raise ValueError(f"{path}: no skeleton rows")
    take = rows[0][0]
    names = rows[0][1]
    if sorted(names) != sorted(RAM_JOINT_NAMES):
        raise ValueError(f"{path}: joints {names} are not the 23 RAMDanceToolkit joints {list(RAM_JOINT_NAMES)}")
    order = [names.index(n) for n in RAM_JOINT_NAMES]
    stamps = np.array([r[3] for r in rows])
    for i, row in enumerate(rows):
        if row[1] != names:
            raise ValueError(f"{path}: row {i + 1} lists joints {row[1]}, unlike row 1")
    if np.any(np.diff(stamps) < 0):
        bad = int(np.argmax(np.diff(stamps) < 0)) + 2
        raise ValueError(f"{path}: timestamps go backwards at row {bad}")
    times, first = np.unique(stamps, return_index=True)
    if len(times) < 2:
        raise ValueError(f"{path}: needs at least two distinct timestamps, got {len(times)}")
    values = np.stack([rows[i][2] for i in first])[:, order]  # (N,J,7)
    axes = values[..., 4:]
    norms = np.linalg.norm(axes, axis=-1, keepdims=True)
    axis_angles = np.where(norms > 1e-12, axes / np.maximum(norms, 1e-12), 0.0) * np.deg2rad(values[..., 3:4])
    logger.info(
        "%s: %d rows, %d distinct samples over %.2f s (%.1f Hz)",
        path, len(rows), len(times), times[-1] - times[0], (len(times) - 1) / (times[-1] - times[0]),
    )
    return take, _Samples(times, values[..., :3] * _CM, axis_angles)


def _resample(samples: _Samples, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (T,J,3) and local rotation matrices (T,J,3,3) at times t0 + i/fps."""
    times = samples.times
    count = math.floor((times[-1] - times[0]) * fps + 1e-9) + 1
    clock = times[0] + np.arange(count) / fps
    lo = np.clip(np.searchsorted(times, clock, side="right") - 1, 0, len(times) - 2)
    weight = np.clip((clock - times[lo]) / (times[lo + 1] - times[lo]), 0.0, 1.0)[:, None]
    quats = axis_angle_to_quaternion(samples.axis_angles)
    rotations = quaternion_to_matrix(quaternion_slerp(quats[lo], quats[lo + 1], weight))
    offsets = (1 - weight[..., None]) * samples.offsets[lo] + weight[..., None] * samples.offsets[lo + 1]
    return offsets, rotations


def _chain(offsets: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """ofNode FK with per-frame offsets (RAM bone lengths vary by up to ~1 cm between samples)."""
    world_rot = [rotations[:, 0]]
    world_pos = [offsets[:, 0]]
    for j in range(1, len(RAM_PARENTS)):
        p = RAM_PARENTS[j]
        world_pos.append(world_pos[p] + np.einsum("tij,tj->ti", world_rot[p], offsets[:, j]))
        world_rot.append(world_rot[p] @ rotations[:, j])
    return np.stack(world_pos, axis=1)


def read_ram_tsv(path: str | Path, fps: float = 30.0) -> MocapTake:
    """Read a RAMDanceToolkit TSV take into world joint positions resampled to `fps` (default 30)."""
    path = require_file(path)
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"{path}: fps must be a finite number > 0, got {fps!r}")
    take, samples = _read_samples(path)
    offsets, rotations = _resample(samples, fps)
    positions = _chain(offsets, rotations)
    return MocapTake(take, RAM_JOINT_NAMES, RAM_PARENTS, positions, float(fps))


def smpl24_targets(take: MocapTake) -> np.ndarray:
    """SMPL-24-ordered target joint positions (T,24,3) built from a RAM take by RAM_TO_SMPL24."""
    mix = np.zeros((SMPL24.num_joints, len(take.joint_names)))
    for j, name in enumerate(SMPL24.joint_names):
        for ram, weight in RAM_TO_SMPL24[name].items():
            mix[j, take.joint_names.index(ram)] = weight
    return np.einsum("sr,trc->tsc", mix, take.positions)
