"""Backbone precision: reference (as VBench: CLIP float16 on CUDA only), float32 (the suite's numbers before the
choice existed, bit for bit) and half (autocast; bfloat16 on CPU, close to float32). Tiny random-init backbones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

from benchmark.metrics.appearance import APPEARANCE_METRICS, build_metric
from benchmark.metrics.appearance.consistency import FeatureConsistency, consistency_values
from benchmark.metrics.appearance.frames import clip_pixels
from benchmark.metrics.appearance.precision import apply_precision
from manifests.ma_video_test_set import STANDIN_SOURCE
from models.video.io import read_frames
from models.vision.amt import AMTConfig
from models.vision.clip import ClipImageEncoder, ClipVisionConfig
from models.vision.dino import DinoConfig, DinoViT
from models.vision.musiq import MusiqConfig

TINY = {
    "imaging_quality": {"config": MusiqConfig.preset("tiny")},
    "aesthetic_quality": {"config": ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=768)},
    "subject_consistency": {"config": DinoConfig(width=64, depth=1, heads=1, patch=16, image_size=32)},
    "background_consistency": {"config": ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=16)},
    "motion_smoothness": {"config": AMTConfig.preset("tiny")},
    "temporal_flickering": {},
}
# observed |half - float32| on these frames (bfloat16 autocast, CPU): aesthetic 8e-4 (the real LAION head on a
# random tower), MUSIQ 5e-5, consistency 3e-5, AMT 1e-5 (its output is quantised to uint8), flickering 0
HALF_TOLERANCE = 5e-3
TINY_CLIP = TINY["background_consistency"]["config"]


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    return read_frames(STANDIN_SOURCE, stop=5)[:, ::4, ::4]  # 5 real frames, 90x160


def built(name: str, precision: str):
    torch.manual_seed(0)  # the same random weights for every precision
    return build_metric(name, random_init=True, precision=precision, **TINY[name])


@pytest.mark.parametrize("name", list(APPEARANCE_METRICS))
def test_float32_and_reference_on_cpu_are_the_same_numbers_and_half_is_close(name, frames):
    frames = frames[:3] if name == "motion_smoothness" else frames  # AMT in bfloat16 is slow on CPU: one midframe
    float32 = built(name, "float32").score_video(frames)
    assert np.array_equal(built(name, "reference").score_video(frames), float32)  # VBench's CLIP is float32 on CPU
    half = built(name, "half")
    values = half.score_video(frames)
    assert values.dtype == np.float64 and values.shape == float32.shape
    np.testing.assert_allclose(values, float32, rtol=0, atol=HALF_TOLERANCE)
    if name in ("imaging_quality", "aesthetic_quality", "subject_consistency", "background_consistency"):
        assert not np.array_equal(values, float32)  # bfloat16 did run
    assert str(half.precision) == ("no backbone (precision half)" if name == "temporal_flickering"
                                   else "backbone autocast bfloat16 (precision half)")  # fmt: skip


def test_float32_is_the_plain_forward_pass(frames):
    """float32: the encoder's own float32 forward, no autocast (what the suite computed before `precision`)."""
    metric = built("background_consistency", "float32")
    with torch.inference_mode():
        features = torch.cat([metric.model(clip_pixels(frames[s : s + 16])) for s in range(0, len(frames), 16)])
    assert np.array_equal(metric.score_video(frames), consistency_values(features))


def test_reference_on_cuda_converts_clip_as_clip_load_and_leaves_the_rest_float32(frames):
    """On CUDA (converted here on CPU, which runs float16 too) CLIP gets float16 weights with float32 LayerNorm."""
    torch.manual_seed(0)
    clip = ClipImageEncoder.from_config(TINY_CLIP).eval()
    float32 = FeatureConsistency("background_consistency", clip, clip_pixels).score_video(frames)
    precision = apply_precision(clip, "reference", "cuda", openai_clip=True)
    assert str(precision) == "backbone float16, LayerNorm in float32 (clip.load on CUDA) (precision reference)"
    norms = [m for m in clip.modules() if isinstance(m, nn.LayerNorm)]
    assert norms and all(p.dtype == torch.float32 for m in norms for p in m.parameters())
    assert {p.dtype for m in clip.modules() if isinstance(m, nn.Linear | nn.Conv2d) for p in m.parameters()} == {torch.float16}
    with torch.inference_mode():
        assert clip(clip_pixels(frames[:2])).dtype == torch.float16
    values = FeatureConsistency("background_consistency", clip, clip_pixels, precision=precision).score_video(frames)
    np.testing.assert_allclose(values, float32, rtol=0, atol=1e-3)
    dino = DinoViT(TINY["subject_consistency"]["config"])
    assert str(apply_precision(dino, "reference", "cuda")) == "backbone float32 (precision reference)"
    assert {p.dtype for p in dino.parameters()} == {torch.float32}


def test_half_on_cuda_is_float16_autocast():
    precision = apply_precision(nn.Linear(2, 2), "half", "cuda")
    assert precision.autocast_dtype == torch.float16 and precision.device_type == "cuda"


def test_an_unknown_precision_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown precision 'fp8'; known: reference, float32, half"):
        build_metric("temporal_flickering", precision="fp8")
    with pytest.raises(ValueError, match=r"unknown precision 'bf16'"):
        apply_precision(nn.Linear(1, 1), "bf16", "cpu")
