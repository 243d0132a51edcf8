"""Per-clip random cameras around the dancer, widened until the whole body stays in frame.

Azimuth is measured from the clip's mean facing direction (0 = in front of the dancer), elevation
upwards, distance from the centre of the body's bounding box over the clip, focal as a 35 mm-
equivalent length. Each value is drawn uniformly from its range; if the posed mesh would leave
the frame (with a margin), the distance grows by 10% steps and the distance actually used is stored.
Shared by the curation's clip renders and the benchmark's mannequin renderer (a fixed camera is a
range with low == high, widened the same way until the whole dance fits).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from models.body.render_camera import Camera, orbit_camera

_LEFT_HIP, _RIGHT_HIP = 1, 2  # SMPL / SMPL-X joint order
_MAX_WIDENING_STEPS = 60


@dataclass(frozen=True)
class CameraRanges:
    """Uniform ranges (low, high) of the camera parameters, and the frame margin kept free."""

    azimuth_deg: tuple[float, float] = (-45.0, 45.0)
    elevation_deg: tuple[float, float] = (0.0, 20.0)
    distance_m: tuple[float, float] = (3.0, 5.5)
    focal_mm: tuple[float, float] = (28.0, 50.0)
    margin: float = 0.05

    def __post_init__(self) -> None:
        for name in ("azimuth_deg", "elevation_deg", "distance_m", "focal_mm"):
            low, high = getattr(self, name)
            if not low <= high:
                raise ValueError(f"camera {name} range must be low <= high, got {low}..{high}")
        if not (-90 < self.elevation_deg[0] and self.elevation_deg[1] < 90):
            raise ValueError(f"camera elevation must stay within (-90, 90) degrees, got {self.elevation_deg}")
        if self.distance_m[0] <= 0 or self.focal_mm[0] <= 0:
            raise ValueError("camera distance and focal length must be > 0")
        if not 0 <= self.margin < 0.5:
            raise ValueError(f"frame margin must be in [0, 0.5), got {self.margin}")

    def as_dict(self) -> dict:
        return asdict(self)


def facing_yaw_deg(joints: np.ndarray) -> float:
    """Mean facing direction of SMPL-ordered joints (T,J,3) as a yaw about +y (0 = facing +z)."""
    across = (joints[:, _LEFT_HIP] - joints[:, _RIGHT_HIP]).mean(axis=0)
    forward = np.cross(across, [0.0, 1.0, 0.0])
    return math.degrees(math.atan2(forward[0], forward[2]))


def _fits(camera: Camera, points: np.ndarray, margin: float) -> bool:
    uv, z = camera.project(points)
    if (z <= 0.1).any():
        return False
    low = np.array([camera.width, camera.height]) * margin
    high = np.array([camera.width, camera.height]) * (1 - margin)
    return bool(((uv >= low) & (uv <= high)).all())


def sample_camera(
    rng: np.random.Generator, ranges: CameraRanges, vertices: np.ndarray, joints: np.ndarray, width: int, height: int
) -> tuple[Camera, dict]:
    """A camera for a clip with posed `vertices` (T,V,3) and `joints` (T,J,3); returns it and its parameters
    (azimuth_deg, elevation_deg, distance_m, focal_mm, target)."""
    azimuth, elevation, distance, focal_mm = (float(rng.uniform(*r)) for r in (
        ranges.azimuth_deg, ranges.elevation_deg, ranges.distance_m, ranges.focal_mm))  # fmt: skip
    points = vertices[:: max(1, len(vertices) // 30)].reshape(-1, 3)
    target = (points.min(axis=0) + points.max(axis=0)) / 2
    yaw = facing_yaw_deg(joints) + azimuth
    for _ in range(_MAX_WIDENING_STEPS):
        camera = orbit_camera(target, yaw, elevation, distance, focal_mm, width, height)
        if _fits(camera, points, ranges.margin):
            params = {"azimuth_deg": azimuth, "elevation_deg": elevation, "distance_m": distance, "focal_mm": focal_mm,
                      "target": target.tolist()}  # fmt: skip
            return camera, params
        distance *= 1.1
    raise ValueError(f"no camera distance up to {distance:.1f} m keeps the body in the {width}x{height} frame")
