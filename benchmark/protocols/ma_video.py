"""Music-driven dance video generation on MA-Data (`ma_video@mace`): MACE-Dance's Table 1 in one protocol.

It composes the six VBench appearance dimensions (custom_input mode: every decoded frame of every generated
video) and the `ma2d@mace` 2D motion metrics (keypoints of the first 64 frames at 16 fps); VBench values are
reported x100, the percent scale the paper prints. Spec: docs/protocols/ma_video_at_mace.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.protocols.base import MetricSpec, ProtocolBase
from benchmark.protocols.motion2d import MA2D_MACE, Motion2DProtocol

_VBENCH_NOTE = "VBench score x100 (percent scale, as printed: 67.12 = 0.6712)"


@dataclass(frozen=True, kw_only=True)
class MaVideoProtocol(ProtocolBase):
    """Which clips, which appearance dimensions (metric name -> VBench dimension), which motion sub-protocol."""

    kind: str = "ma_video"
    num_clips: int  # the released test set's clip count (the loader rejects another)
    clip_seconds: float  # every GT clip lasts this long
    fps: float  # frame rate of GT and generated clips (the motion sub-protocol's beat grid)
    appearance: tuple[tuple[str, str], ...]  # (reported metric name, VBench dimension) in table order
    appearance_scale: float  # VBench values (0..1) are multiplied by this when reported
    motion: Motion2DProtocol  # scores FID_k, FID_g, DIV_k, DIV_g, BAS on video keypoints

    @property
    def pose_estimator(self) -> str:
        """The pose model of the published numbers (ViTPose); others are labelled not comparable."""
        return self.motion.pose_estimator


def _vbench(name: str, description: str) -> MetricSpec:
    return MetricSpec(name, "higher", 0.0, 100.0, f"{description}; {_VBENCH_NOTE}")


MA_VIDEO_MACE = MaVideoProtocol(
    id="ma_video@mace",
    version="1",
    title="Music-driven dance video generation on MA-Data (MACE-Dance Table 1 protocol)",
    compat_with="MACE-Dance paper Table 1: VBench 0.1.5 custom_input dimensions + AMAP-ML/MACE-Dance @8f92d12 "
    "Evaluation-Motion (ma2d@mace)",
    num_clips=200,
    clip_seconds=5.0,
    fps=MA2D_MACE.fps,
    appearance=(
        ("iq", "imaging_quality"),
        ("aq", "aesthetic_quality"),
        ("sc", "subject_consistency"),
        ("bc", "background_consistency"),
        ("ms", "motion_smoothness"),
        ("tf", "temporal_flickering"),
    ),
    appearance_scale=100.0,
    motion=MA2D_MACE,
    metrics=(
        _vbench("iq", "imaging quality (MUSIQ-SPAQ)"),
        _vbench("aq", "aesthetic quality (LAION head on CLIP ViT-L/14)"),
        _vbench("sc", "subject consistency (DINO ViT-B/16)"),
        _vbench("bc", "background consistency (CLIP ViT-B/32)"),
        _vbench("ms", "motion smoothness (AMT-S)"),
        _vbench("tf", "temporal flickering (model-free)"),
        *MA2D_MACE.metrics,
    ),
)

MA_VIDEO_PROTOCOLS = (MA_VIDEO_MACE,)
