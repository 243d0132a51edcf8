"""Geometric motion features (the FID_g / DIV_g input): 32 boolean pose tests averaged over frames.

Semantics of Bailando `utils/features/manual_new.py` (== aistplusplus `manual.py`), spec section 2,
vectorised over frames (and sequences). The arithmetic mirrors the reference's dtypes (float32
element-wise maths, BLAS-style float32 dot products, float64 where it mixes in its int pseudo-joints)
so every boolean, and therefore every mean, is identical.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from benchmark.metrics.motion.preprocess import as_position_batch

DEFAULT_FRAME_TIME = 1.0 / 120.0  # every velocity test of the reference uses 1/120 s
MIN_FRAMES = 2
MIN_JOINTS = 22  # tests use joints up to rwrist (21); y_min is taken over all joints given

JOINTS = {
    "root": 0, "lhip": 1, "rhip": 2, "belly": 3, "lknee": 4, "rknee": 5, "spine": 6, "lankle": 7,
    "rankle": 8, "chest": 9, "ltoes": 10, "rtoes": 11, "neck": 12, "linshoulder": 13,
    "rinshoulder": 14, "head": 15, "lshoulder": 16, "rshoulder": 17, "lelbow": 18, "relbow": 19,
    "lwrist": 20, "rwrist": 21, "lhand": 22, "rhand": 23,
}  # fmt: skip
# The reference returns Python int lists for these, so they promote float32 maths to float64.
_CONSTANT_POINTS = {
    name: np.array(point, dtype=np.float64).reshape(3, 1, 1)
    for name, point in (("zero", (0, 0, 0)), ("y_unit", (0, 1, 0)), ("minus_y_unit", (0, -1, 0)))
}

# Body-size constants from the reference's template body (not per subject): humerus length,
# shoulder width, hip width, as distances between these template joints.
_TEMPLATE_LSHOULDER = np.array([1.99113488e-01, 2.36807942e-01, -1.80702247e-02])
_TEMPLATE_LELBOW = np.array([4.54445392e-01, 2.21158922e-01, -4.10167128e-02])
_TEMPLATE_RSHOULDER = np.array([-1.91692337e-01, 2.36928746e-01, -1.23055102e-02])
_TEMPLATE_LHIP = np.array([5.64076714e-02, -3.23069185e-01, 1.09197125e-02])
_TEMPLATE_RHIP = np.array([-6.24834076e-02, -3.31302464e-01, 1.50412619e-02])
# Kept as np.float64 on purpose: a float32 value compared with a Python float would be compared in
# float32 (NEP 50), the reference compares in float64.
HL = np.linalg.norm(_TEMPLATE_LSHOULDER - _TEMPLATE_LELBOW)  # 0.2568381092
SW = np.linalg.norm(_TEMPLATE_LSHOULDER - _TEMPLATE_RSHOULDER)  # 0.3908483585
HW = np.linalg.norm(_TEMPLATE_LHIP - _TEMPLATE_RHIP)  # 0.1192470659


class Feature(NamedTuple):
    """One boolean test: kind, its four joint arguments (None = unused) and threshold or (lo, hi)."""

    kind: str
    joints: tuple[str | None, ...]
    limit: np.float64 | tuple[int, int]


FEATURES: tuple[Feature, ...] = (
    Feature("nmove", ("neck", "rhip", "lhip", "rwrist"), 1.8 * HL),
    Feature("nmove", ("neck", "lhip", "rhip", "lwrist"), 1.8 * HL),
    Feature("nplane", ("chest", "neck", "neck", "rwrist"), 0.2 * HL),
    Feature("nplane", ("chest", "neck", "neck", "lwrist"), 0.2 * HL),
    Feature("move", ("belly", "chest", "chest", None), 1.8 * HL),
    Feature("move", ("belly", "chest", "chest", None), 1.8 * HL),
    Feature("angle", ("relbow", "rshoulder", "relbow", "rwrist"), (0, 110)),
    Feature("angle", ("lelbow", "lshoulder", "lelbow", "lwrist"), (0, 110)),
    Feature("nplane", ("lshoulder", "rshoulder", "lwrist", "rwrist"), 2.5 * SW),
    Feature("move", ("lwrist", "rwrist", "rwrist", None), 1.4 * HL),
    Feature("move", ("rwrist", "root", "lwrist", None), 1.4 * HL),
    Feature("move", ("lwrist", "root", "rwrist", None), 1.4 * HL),
    Feature("fast", ("rwrist", None, None, None), 2.5 * HL),
    Feature("fast", ("lwrist", None, None, None), 2.5 * HL),
    Feature("plane", ("root", "lhip", "ltoes", "rankle"), 0.38 * HL),
    Feature("plane", ("root", "rhip", "rtoes", "lankle"), 0.38 * HL),
    Feature("nplane", ("zero", "y_unit", "y_min", "rankle"), 1.2 * HL),
    Feature("nplane", ("zero", "y_unit", "y_min", "lankle"), 1.2 * HL),
    Feature("nplane", ("lhip", "rhip", "lankle", "rankle"), 2.1 * HW),
    Feature("angle", ("rknee", "rhip", "rknee", "rankle"), (0, 110)),
    Feature("angle", ("lknee", "lhip", "lknee", "lankle"), (0, 110)),
    Feature("fast", ("rankle", None, None, None), 2.5 * HL),
    Feature("fast", ("lankle", None, None, None), 2.5 * HL),
    Feature("angle", ("neck", "root", "rshoulder", "relbow"), (25, 180)),
    Feature("angle", ("neck", "root", "lshoulder", "lelbow"), (25, 180)),
    Feature("angle", ("neck", "root", "rhip", "rknee"), (50, 180)),
    Feature("angle", ("neck", "root", "lhip", "lknee"), (50, 180)),
    Feature("plane", ("rankle", "neck", "lankle", "root"), 0.5 * HL),
    Feature("angle", ("neck", "root", "zero", "y_unit"), (70, 110)),
    Feature("nplane", ("zero", "minus_y_unit", "y_min", "rwrist"), -1.2 * HL),
    Feature("nplane", ("zero", "minus_y_unit", "y_min", "lwrist"), -1.2 * HL),
    Feature("fast", ("root", None, None, None), 2.3 * HL),
)


# Vectors below are component-first arrays (3, ...): each component is then a contiguous block.


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot product over axis 0 as numpy/OpenBLAS does it for 3-vectors: float32 products summed
    in float64 then rounded (sdot), plain float64 otherwise."""
    prod = a * b
    if prod.dtype == np.float32:
        return (prod[0].astype(np.float64) + prod[1] + prod[2]).astype(np.float32)
    return prod[0] + prod[1] + prod[2]


def _norm(a: np.ndarray) -> np.ndarray:
    return np.sqrt(_dot(a, a))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over axis 0 with np.cross's operation order."""
    return np.stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


class _Frames:
    """Joint positions at frames t (current) and t-1 (previous), t = 1..T-1, of every sequence,
    as component-first arrays (3, N, T-1)."""

    def __init__(self, pos: np.ndarray):
        self._joints = np.ascontiguousarray(pos.transpose(3, 2, 0, 1))  # (3, J, N, T)
        y_min = self._joints[1, :, :, 1:].min(axis=0).astype(np.float64)
        self.y_min = np.stack([np.zeros_like(y_min), y_min, np.zeros_like(y_min)])

    def at(self, name: str) -> np.ndarray:
        if name == "y_min":
            return self.y_min
        if name in _CONSTANT_POINTS:
            return _CONSTANT_POINTS[name]
        return self._joints[:, JOINTS[name], :, 1:]

    def before(self, name: str) -> np.ndarray:
        return self._joints[:, JOINTS[name], :, :-1]

    def relative_step(self, base: str, point: str) -> np.ndarray:
        """(point - base)_t - (point - base)_{t-1}, the reference's relative displacement."""
        return (self.at(point) - self.at(base)) - (self.before(point) - self.before(base))


def _evaluate(frames: _Frames, feature: Feature, time_per_frame: float) -> np.ndarray:
    """Boolean (N,T-1) for one feature."""
    kind, (j1, j2, j3, j4), limit = feature
    if kind == "angle":
        u = frames.at(j2) - frames.at(j1)
        w = frames.at(j4) - frames.at(j3)
        degrees = np.degrees(np.arccos(_dot(u, w) / (_norm(u) * _norm(w))))
        return (degrees > limit[0]) & (degrees < limit[1])
    if kind == "plane":
        a = frames.at(j1)
        normal = _cross(frames.at(j3) - a, frames.at(j2) - a)
        return _dot(normal, frames.at(j4) - a) / _norm(normal) > limit
    if kind == "nplane":
        normal = frames.at(j2) - frames.at(j1)
        return _dot(normal, frames.at(j4) - frames.at(j3)) / _norm(normal) > limit
    if kind == "fast":
        speed = _norm(frames.at(j1) - frames.before(j1))
    elif kind == "move":
        direction = frames.at(j2) - frames.at(j1)
        speed = _dot(frames.relative_step(j1, j3), direction) / _norm(direction)
    elif kind == "nmove":
        a = frames.at(j1)
        normal = _cross(frames.at(j3) - a, frames.at(j2) - a)
        speed = _dot(frames.relative_step(j1, j4), normal) / _norm(normal)
    else:
        raise ValueError(f"unknown geometric feature kind {kind!r}")
    return speed / speed.dtype.type(time_per_frame) > limit


def geometric_features(positions: np.ndarray, frame_time: float = DEFAULT_FRAME_TIME) -> np.ndarray:
    """32 geometric features of SMPL-ordered joint positions (T,J,3) or (N,T,J,3), J >= 22, y-up.

    Each is the fraction of frames 1..T-1 where a boolean pose test holds (float32 (32,) or
    (N,32)). `frame_time` converts per-frame displacements to speeds (reference: 1/120).
    """
    pos, single = as_position_batch(
        positions, "positions", min_frames=MIN_FRAMES, min_joints=MIN_JOINTS
    )
    if not (np.isfinite(frame_time) and frame_time > 0):
        raise ValueError(f"frame_time must be a positive finite number of seconds, got {frame_time}")
    frames = _Frames(pos)
    with np.errstate(invalid="ignore", divide="ignore"):  # degenerate poses test False, as in the reference
        counts = np.stack(
            [_evaluate(frames, f, frame_time).sum(axis=-1) for f in FEATURES], axis=-1
        )
    feats = counts.astype(np.float32) / np.float32(pos.shape[-3] - 1)
    return feats[0] if single else feats
