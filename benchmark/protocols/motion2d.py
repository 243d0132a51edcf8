"""2D motion protocols on video keypoints: MACE-Dance's Evaluation-Motion as published and its corrected twin.

Keypoints are easy_ViTPose coco_25 rows (y, x, score); the fields below fix how the metric pipeline
(`benchmark.pipelines.motion2d`) reads them. Spec: docs/protocols/ma2d_at_mace.md, ma2d_at_v1.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from benchmark.protocols.base import MetricSpec, ProtocolBase


@dataclass(frozen=True, kw_only=True)
class Motion2DProtocol(ProtocolBase):
    """The recipe of one 2D-motion evaluation (joint map, coordinate order, frame time, planes, normalisation)."""

    kind: str = "motion2d"
    frames: int  # the first `frames` frames are scored; shorter sequences are rejected
    fps: float  # the frame grid of music beats (and, for v1, the kinetic frame time); data must be at it
    audio_sr: int  # GT audio is decoded at this rate for beat tracking
    pose_estimator: Literal["vitpose", "mediapipe"]  # default model when the inputs are videos
    joint_map: Literal["mace", "coco25"]  # which coco_25 joints the named skeleton points read (D1)
    swap_yx: bool  # read stored (y, x) as (x, y) (D2 fixed); False: components as stored
    up: Literal[1, -1]  # component-1 sign of the y_unit pseudo-joint
    kinetic_frame_time: float | None  # None: 1/fps (E1 fixed)
    real_planes: bool  # False: MACE's plane tests return 0 (D4)
    normalisation: Literal["own", "gt"]  # z-score statistics: each set's own (D3) or the GT set's
    drop_constant_gt_dims: bool  # GT-constant dims left out of FID/DIV (v1 answer to the 1e-4 blow-up)
    fid_form: Literal["bailando", "eigen"]
    skip_unusable_stems: bool  # True: a stem with bad or missing input is dropped with a warning (as MACE)


_METRICS = (
    MetricSpec("fid_k", "lower", description="Frechet distance of 2D kinetic features"),
    MetricSpec("fid_g", "lower", description="Frechet distance of 2D geometric features"),
    MetricSpec("div_k", "higher", description="mean pairwise distance of 2D kinetic features"),
    MetricSpec("div_g", "higher", description="mean pairwise distance of 2D geometric features"),
    MetricSpec("bas", "higher", 0.0, 1.0, "beat align score against the GT audio's beats"),
)

MA2D_MACE = Motion2DProtocol(
    id="ma2d@mace",
    version="1",
    title="MA-Data 2D motion from video keypoints, MACE-Dance Evaluation-Motion (bug-compatible)",
    compat_with="AMAP-ML/MACE-Dance @8f92d12 Evaluation-Motion/calculate_metric.py, "
    "features/kinetic_2d.py, features/geometric_2d.py (defaults: 64 frames, 8320 Hz, 16 fps)",
    frames=64,
    fps=16.0,
    audio_sr=8320,
    pose_estimator="vitpose",
    joint_map="mace",
    swap_yx=False,
    up=1,
    kinetic_frame_time=1 / 30,
    real_planes=False,
    normalisation="own",
    drop_constant_gt_dims=False,
    fid_form="bailando",
    skip_unusable_stems=True,
    metrics=_METRICS,
)

# Every field changed here is a deviation listed and tested in docs/protocols/ma2d_at_v1.md.
MA2D_V1 = replace(
    MA2D_MACE,
    id="ma2d@v1",
    title="MA-Data 2D motion from video keypoints, corrected definitions",
    compat_with="corrected",
    pose_estimator="mediapipe",
    joint_map="coco25",
    swap_yx=True,
    up=-1,
    kinetic_frame_time=None,
    real_planes=True,
    normalisation="gt",
    drop_constant_gt_dims=True,
    fid_form="eigen",
    skip_unusable_stems=False,
)

MA2D_PROTOCOLS = (MA2D_MACE, MA2D_V1)
