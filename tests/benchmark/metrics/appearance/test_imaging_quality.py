"""Imaging Quality with a tiny random MUSIQ: score / 100 per frame, VBench's longer-side-512 bilinear resize,
the per-video mean, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmark.metrics.appearance.base import aggregate_scores
from benchmark.metrics.appearance.imaging_quality import ImagingQuality, imaging_quality, resize_longer_side
from models.vision.musiq import MusiqConfig

TINY = MusiqConfig.preset("tiny")


@pytest.fixture(scope="module")
def metric() -> ImagingQuality:
    torch.manual_seed(0)
    iq = imaging_quality(random_init=True, config=TINY)
    iq.batch = 2
    return iq


def frame_score(metric: ImagingQuality, frame: np.ndarray, size: tuple[int, int] | None = None) -> float:
    """pyiqa's MUSIQ on one frame (optionally resized bilinearly first) / 255 in, / 100 out."""
    image = torch.tensor(frame).permute(2, 0, 1)[None].float()
    if size is not None:
        image = F.interpolate(image, size=size, mode="bilinear", align_corners=False)
    with torch.no_grad():
        return float(metric.model(image / 255.0)) / 100.0


def test_per_frame_scores_are_musiq_over_100(metric) -> None:
    frames = np.random.default_rng(0).integers(0, 256, (5, 24, 40, 3), dtype=np.uint8)
    scores = metric.score_video(frames)
    assert scores.shape == (5,)
    assert np.allclose(scores, [frame_score(metric, f) for f in frames], atol=1e-6)


@pytest.mark.parametrize("shape, size", [((30, 600), (25, 512)), ((700, 60), (512, 43)), ((512, 40), None)])
def test_longer_side_is_cut_to_512_as_vbench_does(metric, shape, size) -> None:
    frame = np.random.default_rng(1).integers(0, 256, (1, *shape, 3), dtype=np.uint8)
    assert metric.score_video(frame)[0] == pytest.approx(frame_score(metric, frame[0], size), abs=1e-6)
    resized = resize_longer_side(torch.zeros(1, 3, *shape))
    assert tuple(resized.shape[-2:]) == (size or shape)


def test_set_score_is_the_mean_of_video_means(metric) -> None:
    rng = np.random.default_rng(2)
    videos = [rng.integers(0, 256, (t, 16, 16, 3), dtype=np.uint8) for t in (1, 3)]
    per_video = [metric.score_video(v) for v in videos]
    assert aggregate_scores(metric, per_video) == pytest.approx((per_video[0][0] + per_video[1].mean()) / 2)


@pytest.mark.parametrize(
    "frames, problem",
    [
        (np.zeros((0, 16, 16, 3), np.uint8), "at least 1 frame"),
        (np.zeros((2, 16, 16, 3), np.float64), "uint8"),
        (np.zeros((2, 16, 16, 4), np.uint8), r"\(T, H, W, 3\)"),
        ([[0]], "numpy array"),
    ],
)
def test_bad_input_names_the_problem(metric, frames, problem) -> None:
    with pytest.raises(ValueError, match=f"imaging_quality: .*{problem}"):
        metric.score_video(frames)
