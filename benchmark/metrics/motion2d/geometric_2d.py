"""32-d geometric (Laban-style boolean) features of one 2D keypoint sequence (MACE `features/geometric_2d.py`, spec 3).

Each feature is the fraction of frames 1..T-1 on which a test holds: a per-frame SPEED above a multiple of
the frame-0 body scale, a joint ANGLE in a range, or a distance from a (normal) PLANE above a threshold.
MACE's move/nmove tests reduce to the speed of their first point (E2, kept by both protocols); its
plane tests are stubs returning 0 (D4), reproduced with `real_planes=False`.
"""

from __future__ import annotations

import numpy as np

from benchmark.metrics.motion2d.joint_maps import POINT_NAMES, JointMap

_SCALE_EPS = 1e-6
_ANGLE_EPS = 1e-6

# (test, points, threshold as (multiple, scale) or an angle range in degrees), in MACE's order.
# SPEED covers MACE's fast/move/nmove (only their first point is read); PLANE/NPLANE are AIST++'s tests.
FEATURES: tuple[tuple[str, tuple[str, ...], tuple], ...] = (
    ("speed", ("neck", "rhip", "lhip", "rwrist"), (1.8, "hl")),
    ("speed", ("neck", "lhip", "rhip", "lwrist"), (1.8, "hl")),
    ("nplane", ("chest", "neck", "neck", "rwrist"), (0.2, "hl")),
    ("nplane", ("chest", "neck", "neck", "lwrist"), (0.2, "hl")),
    ("speed", ("belly", "chest", "chest", "rwrist"), (1.8, "hl")),
    ("speed", ("belly", "chest", "chest", "lwrist"), (1.8, "hl")),
    ("angle", ("relbow", "rshoulder", "relbow", "rwrist"), (0, 110)),
    ("angle", ("lelbow", "lshoulder", "lelbow", "lwrist"), (0, 110)),
    ("nplane", ("lshoulder", "rshoulder", "lwrist", "rwrist"), (2.5, "sw")),
    ("speed", ("lwrist", "rwrist", "rwrist", "lwrist"), (1.4, "hl")),
    ("speed", ("rwrist", "root", "lwrist", "root"), (1.4, "hl")),
    ("speed", ("lwrist", "root", "rwrist", "root"), (1.4, "hl")),
    ("speed", ("rwrist",), (2.5, "hl")),
    ("speed", ("lwrist",), (2.5, "hl")),
    ("plane", ("root", "lhip", "ltoes", "rankle"), (0.38, "hl")),
    ("plane", ("root", "rhip", "rtoes", "lankle"), (0.38, "hl")),
    ("nplane", ("zero", "y_unit", "y_min", "rankle"), (1.2, "hl")),
    ("nplane", ("zero", "y_unit", "y_min", "lankle"), (1.2, "hl")),
    ("nplane", ("lhip", "rhip", "lankle", "rankle"), (2.1, "hw")),
    ("angle", ("rknee", "rhip", "rknee", "rankle"), (0, 110)),
    ("angle", ("lknee", "lhip", "lknee", "lankle"), (0, 110)),
    ("speed", ("rankle",), (2.5, "hl")),
    ("speed", ("lankle",), (2.5, "hl")),
    ("angle", ("neck", "root", "rshoulder", "relbow"), (25, 180)),
    ("angle", ("neck", "root", "lshoulder", "lelbow"), (25, 180)),
    ("angle", ("neck", "root", "rhip", "rknee"), (50, 180)),
    ("angle", ("neck", "root", "lhip", "lknee"), (50, 180)),
    ("plane", ("rankle", "neck", "lankle", "root"), (0.5, "hl")),
    ("angle", ("neck", "root", "zero", "y_unit"), (70, 110)),
    ("nplane", ("zero", "minus_y_unit", "y_min", "rwrist"), (-1.2, "hl")),
    ("nplane", ("zero", "minus_y_unit", "y_min", "lwrist"), (-1.2, "hl")),
    ("speed", ("root",), (2.3, "hl")),
)  # fmt: skip
NUM_FEATURES = len(FEATURES)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + _ANGLE_EPS)


def _angle_in(a, b, c, d, low: float, high: float) -> np.ndarray:
    """[low <= angle(b - a, d - c) <= high] in degrees, per frame (a zero vector gives 90)."""
    cos = np.clip((_unit(b - a) * _unit(d - c)).sum(axis=-1), -1, 1)
    theta = np.degrees(np.arccos(cos))
    return (low <= theta) & (theta <= high)


def _normal_plane_distance(n1, n2, a, p) -> np.ndarray:
    """Signed distance of p from the line through a with normal n2 - n1 (float64; 0 where n2 == n1)."""
    n = np.broadcast_to(np.asarray(n2, np.float64) - n1, np.shape(p))
    length = np.linalg.norm(n, axis=-1)
    dot = (n * (np.asarray(p, np.float64) - a)).sum(axis=-1)
    return np.divide(dot, length, out=np.zeros_like(dot), where=length > 0)


def geometric_features_2d(
    keypoints: np.ndarray, joints: JointMap, up: int = 1, real_planes: bool = False
) -> np.ndarray:
    """(32,) float32 fractions of frames 1..T-1 passing each test, from (T, 25, 2) keypoints.

    `up` is the y_unit pseudo-joint's sign on component 1 (MACE: +1; image-frame "up": -1).
    `real_planes=False` reproduces MACE's stubbed plane tests (always 0); True computes the normal-plane
    distance (PLANE stays 0 in 2D: its normal is along the unobservable depth axis)."""
    p = joints.positions(np.asarray(keypoints, dtype=np.float64))  # (T, 24, 2) float32
    if p.shape[0] < 2:
        return np.zeros(NUM_FEATURES, np.float32)
    pos = {name: p[:, i] for i, name in enumerate(POINT_NAMES)}
    zero = np.array([0, 0])
    pos.update(zero=zero, y_unit=np.array([0, up]), minus_y_unit=np.array([0, -up]))
    y_min = np.zeros_like(p[:, 0])
    y_min[:, 1] = p[:, :, 1].max(axis=1)
    pos["y_min"] = y_min
    scale = {
        "hl": np.linalg.norm(p[0, POINT_NAMES.index("lshoulder")] - p[0, POINT_NAMES.index("rshoulder")]) + _SCALE_EPS,
        "hw": np.linalg.norm(p[0, POINT_NAMES.index("lhip")] - p[0, POINT_NAMES.index("rhip")]) + _SCALE_EPS,
    }
    scale["sw"] = scale["hl"]
    now = {name: v[1:] if np.ndim(v) == 2 else v for name, v in pos.items()}
    frames = p.shape[0] - 1
    out = np.zeros((frames, NUM_FEATURES), np.float32)
    for i, (test, names, threshold) in enumerate(FEATURES):
        if test == "speed":
            step = np.linalg.norm(pos[names[0]][1:] - pos[names[0]][:-1], axis=-1)
            out[:, i] = step > threshold[0] * scale[threshold[1]]
        elif test == "angle":
            out[:, i] = _angle_in(*(now[n] for n in names), *threshold)
        elif test == "nplane" and real_planes:
            distance = _normal_plane_distance(*(now[n] for n in names))
            out[:, i] = distance > threshold[0] * float(scale[threshold[1]])
    return out.mean(axis=0)
