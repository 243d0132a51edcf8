"""Temporal flickering against VBench's formula on constructed and real frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.metrics.appearance import APPEARANCE_METRICS, aggregate_scores, build_metric
from benchmark.metrics.appearance.flickering import TemporalFlickering
from models.video.io import read_frames

DEMO = Path("/work/shared/assets/video/demo.mp4")


def test_static_video_scores_one():
    frames = np.full((5, 8, 6, 3), 137, np.uint8)
    values = TemporalFlickering().score_video(frames)
    assert values.shape == (4,)
    assert np.all(values == 1.0)


def test_known_differences_give_the_formula_value():
    # frame t is a constant level; pixel differences 10, 30, 5 -> (255 - mean(10, 30, 5)) / 255
    levels = [0, 10, 40, 35]
    frames = np.stack([np.full((4, 4, 3), v, np.uint8) for v in levels])
    values = TemporalFlickering().score_video(frames)
    np.testing.assert_array_equal(values, (255.0 - np.array([10.0, 30.0, 5.0])) / 255.0)
    assert values.mean() == pytest.approx((255 - 15) / 255, abs=1e-15)


def test_half_the_pixels_changing_and_unsigned_wraparound():
    a = np.zeros((2, 2, 3), np.uint8)
    b = a.copy()
    b[0] = 255  # half the pixels jump by 255 (uint8 subtraction would wrap)
    values = TemporalFlickering().score_video(np.stack([b, a, b]))
    np.testing.assert_allclose(values, [(255 - 127.5) / 255] * 2, rtol=0, atol=1e-15)


def test_real_footage_matches_the_float_reference():
    frames = read_frames(DEMO, stop=6)[:, ::8, ::8]
    reference = np.mean([np.abs(frames[i + 1].astype(np.float64) - frames[i]).mean() for i in range(5)])
    score = TemporalFlickering().score_video(frames).mean()
    assert score == pytest.approx((255 - reference) / 255, abs=1e-12)
    assert score < 1.0


def test_set_score_is_the_mean_of_video_means():
    metric = build_metric("temporal_flickering")
    short = np.stack([np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 51, np.uint8)])  # 0.8
    static = np.zeros((4, 2, 2, 3), np.uint8)  # 1.0, three pairs
    per_video = [metric.score_video(short), metric.score_video(static)]
    assert aggregate_scores(metric, per_video) == pytest.approx(0.9)


@pytest.mark.parametrize(
    "frames, message",
    [
        (np.zeros((1, 4, 4, 3), np.uint8), "at least 2"),
        (np.zeros((3, 4, 4, 3), np.float32), "uint8"),
        (np.zeros((3, 4, 4), np.uint8), "shape"),
    ],
)
def test_bad_frames_raise(frames, message):
    with pytest.raises(ValueError, match=message):
        TemporalFlickering().score_video(frames)


def test_registry_names_and_unknown_dimension():
    assert {"temporal_flickering", "subject_consistency", "background_consistency", "aesthetic_quality"} <= set(APPEARANCE_METRICS)
    with pytest.raises(ValueError, match="unknown appearance dimension 'sharpness'"):
        build_metric("sharpness")
