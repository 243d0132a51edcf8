"""3D motion protocols: AIST++ (Bailando) and FineDance (LODGE) as published, and their corrected twins.

A protocol is data, not code: it fixes which skeleton, preprocessing, frame times, normalisation,
FID form and BAS definition the metric pipeline (`benchmark.pipelines.motion3d`) uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from benchmark.protocols.base import MetricSpec, ProtocolBase


@dataclass(frozen=True, kw_only=True)
class Protocol(ProtocolBase):
    """The full recipe of one 3D-motion evaluation variant (skeleton, preprocessing, frame times, FID, BAS)."""

    kind: str = "motion3d"
    skeleton: Literal["smpl24", "smplx55"]
    fk: Literal["suite", "lodge"] = "suite"  # lodge: LODGE's float32 FK op for op (models/body/lodge_fk.py)
    preprocess: Literal["bailando", "lodge"]
    max_frames: int
    reference_fps: float  # the fps the published code assumes
    kinetic_frame_time: float | None  # None: the data's real 1/fps
    kinetic_ee_bug: bool
    geometric_frame_time: float | None
    normalization: Literal["compat", "v1"]
    fid_form: Literal["bailando", "eigen"]
    bas: Literal["bailando", "lodge", "v1"]
    music_beats: Literal["bailando", "lodge"]
    bas_sigma_frames: float | None  # None: sigma from bas_sigma_seconds at the data's fps
    bas_sigma_seconds: float | None
    lodge_bas_id_filter: bool
    extra: tuple[str, ...] = ()
    grouped_bootstrap: bool = False  # CIs resample source sequences, then their windows (ids `<source>_w<k>`)
    bas_smoothing_seconds: float | None = None  # None: Bailando's 5-frame speed smoothing whatever the fps
    robust_ground: bool = False  # FSR contact heights above the sequence's floor estimate, not LODGE's frame 0


_FID_K = MetricSpec("fid_k", "lower", description="Frechet distance of kinetic features")
_FID_G = MetricSpec("fid_g", "lower", description="Frechet distance of geometric features")
_DIV_K = MetricSpec("div_k", "higher", description="mean pairwise distance of kinetic features")
_DIV_G = MetricSpec("div_g", "higher", description="mean pairwise distance of geometric features")
_BAS = MetricSpec("bas", "higher", 0.0, 1.0, "beat align score")
_BAS_FACT = MetricSpec("bas_fact", "higher", 0.0, 1.0, "FACT/mint beat align score (motion->music)")
_PFC = MetricSpec("pfc", "lower", description="EDGE physical foot contact score (x10000)")
_FSR = MetricSpec("fsr", "lower", 0.0, 1.0, "LODGE foot skating ratio")

_AIST_METRICS = (_FID_K, _FID_G, _DIV_K, _DIV_G, _BAS, _BAS_FACT, _PFC)
_FINEDANCE_METRICS = (_FID_K, _FID_G, _DIV_K, _DIV_G, _BAS, _FSR)

AIST3D_BAILANDO = Protocol(
    id="aist3d@bailando",
    version="1",
    title="AIST++ 3D motion, Bailando metrics_new.py (bug-compatible)",
    compat_with="Bailando @cc90b98 utils/metrics_new.py + beat_align_score.py; "
    "EDGE @17c3428 eval_pfc.py; mint calculate_beat_scores.py",
    skeleton="smpl24",
    preprocess="bailando",
    max_frames=1200,
    reference_fps=60.0,
    kinetic_frame_time=1 / 60,
    kinetic_ee_bug=True,
    geometric_frame_time=1 / 120,
    normalization="compat",
    fid_form="bailando",
    bas="bailando",
    music_beats="bailando",
    bas_sigma_frames=3.0,
    bas_sigma_seconds=None,
    lodge_bas_id_filter=False,
    extra=("bas_fact", "pfc"),
    metrics=_AIST_METRICS,
)

FINEDANCE3D_LODGE = replace(
    AIST3D_BAILANDO,
    id="finedance3d@lodge",
    title="FineDance 3D motion, LODGE metrics_finedance.py (bug-compatible)",
    compat_with="LODGE @a898e59 metric/metrics_finedance.py, foot_skating.py, "
    "beat_align_score.py, extract_musicfea35.py",
    skeleton="smplx55",
    fk="lodge",
    preprocess="lodge",
    max_frames=1024,
    reference_fps=30.0,
    bas="lodge",
    music_beats="lodge",
    lodge_bas_id_filter=True,
    extra=("fsr",),
    metrics=_FINEDANCE_METRICS,
)

# The corrected twins: every field changed here is a deviation listed in docs/protocols/*_v1.md.
_V1_DEVIATIONS = dict(
    version="1",
    compat_with="corrected",
    kinetic_frame_time=None,  # the data's real 1/fps
    kinetic_ee_bug=False,  # intended acceleration
    geometric_frame_time=None,
    normalization="v1",  # constant GT dims dropped, not divided by 1e-10
    fid_form="eigen",
    bas="v1",
    bas_sigma_frames=None,
    lodge_bas_id_filter=False,
    fk="suite",  # the suite's float64 FK, not LODGE's float32 op sequence
    grouped_bootstrap=True,  # windows of one sequence are not independent items
)

AIST3D_V1 = replace(
    AIST3D_BAILANDO,
    id="aist3d@v1",
    title="AIST++ 3D motion, corrected definitions",
    bas_sigma_seconds=0.05,  # 3 frames at AIST++'s 60 fps
    bas_smoothing_seconds=5 / 60,  # Bailando's 5 frames at AIST++'s 60 fps
    extra=(*AIST3D_BAILANDO.extra, "bas_sync"),  # BAS against its time-shift null (docs/protocols/bas_sync.md)
    **_V1_DEVIATIONS,
)

FINEDANCE3D_V1 = replace(
    FINEDANCE3D_LODGE,
    id="finedance3d@v1",
    title="FineDance 3D motion, corrected definitions",
    bas_sigma_seconds=0.1,  # 3 frames at FineDance's 30 fps
    bas_smoothing_seconds=5 / 30,  # 5 frames at FineDance's 30 fps
    extra=(*FINEDANCE3D_LODGE.extra, "bas_sync"),
    **_V1_DEVIATIONS,
)

MOTION3D_PROTOCOLS = (AIST3D_BAILANDO, AIST3D_V1, FINEDANCE3D_LODGE, FINEDANCE3D_V1)
