"""Motion Smoothness end to end with a tiny random AMT: VBench's even/odd frame handling, padding,
uint8 truncation and (255 - mean |diff|) / 255, recomputed here step by step from the model's outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmark.metrics.appearance.base import aggregate_scores
from benchmark.metrics.appearance.motion_smoothness import MotionSmoothness, motion_smoothness
from models.vision.amt import AMT, AMTConfig

TINY = AMTConfig.preset("tiny")


@pytest.fixture(scope="module")
def metric() -> MotionSmoothness:
    torch.manual_seed(0)
    return motion_smoothness(random_init=True, config=TINY)


def expected_scores(model: AMT, frames: np.ndarray) -> list[float]:
    """VBench's motion_score written out: frames 0,2,4.. in, frame 2i+1 vs the prediction between 2i and 2i+2."""
    t, h, w, _ = frames.shape
    ph, pw = (16 - h % 16) % 16, (16 - w % 16) % 16
    scores = []
    for i in range(0, t - 2, 2):
        pair = torch.tensor(frames[[i, i + 2]]).permute(0, 3, 1, 2).float() / 255.0
        pair = F.pad(pair, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2], mode="replicate")
        with torch.no_grad():
            pred = model(pair[:1], pair[1:], torch.tensor(0.5).view(1, 1, 1, 1))
        pred = pred[0, :, ph // 2 : ph // 2 + h, pw // 2 : pw // 2 + w]
        pred = (pred * 255.0).permute(1, 2, 0).numpy().clip(0, 255).astype(np.uint8)
        mean_abs = np.mean(np.abs(frames[i + 1].astype(float) - pred.astype(float)))
        scores.append((255.0 - mean_abs) / 255.0)
    return scores


def moving_video(t: int, h: int = 36, w: int = 44) -> np.ndarray:
    canvas = np.random.default_rng(1).integers(0, 256, (h + t, w + t, 3), dtype=np.uint8)
    return np.stack([canvas[k : k + h, k : k + w] for k in range(t)])


@pytest.mark.parametrize("t", [3, 6, 7])
def test_scores_follow_vbench_frame_handling_and_formula(metric, t) -> None:
    frames = moving_video(t)
    scores = metric.score_video(frames)
    assert len(scores) == (t + 1) // 2 - 1  # a last odd frame without a right neighbour is skipped
    assert np.allclose(scores, expected_scores(metric.model, frames), atol=1e-12)
    assert aggregate_scores(metric, [scores]) == pytest.approx(np.mean(expected_scores(metric.model, frames)))


def test_static_video_scores_the_models_reconstruction_error(metric) -> None:
    frames = np.repeat(moving_video(1), 5, axis=0)
    scores = metric.score_video(frames)
    assert np.allclose(scores, expected_scores(metric.model, frames), atol=1e-12)
    assert scores[0] == scores[1]  # identical inputs, identical prediction
    assert 0.0 <= scores[0] <= 1.0


@pytest.mark.parametrize(
    "frames, problem",
    [
        (np.zeros((2, 32, 32, 3), np.uint8), "at least 3 frame"),
        (np.zeros((0, 32, 32, 3), np.uint8), "at least 3 frame"),
        (np.zeros((5, 32, 32, 3), np.float32), "uint8"),
        (np.zeros((5, 32, 32), np.uint8), r"\(T, H, W, 3\)"),
    ],
)
def test_bad_input_names_the_problem(metric, frames, problem) -> None:
    with pytest.raises(ValueError, match=f"motion_smoothness: .*{problem}"):
        metric.score_video(frames)
