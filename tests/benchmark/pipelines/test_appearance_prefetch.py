"""The appearance pipeline decodes the next video while one is scored: same results as one after the other,
a video failing in the middle recorded (batch) or raised (paired sets), the rest scored in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.metrics.appearance.consistency import background_consistency
from benchmark.metrics.appearance.flickering import temporal_flickering
from benchmark.pipelines import appearance
from benchmark.pipelines.appearance import score_batch, score_frames, score_videos
from manifests.ma_video_test_set import STANDIN_SOURCE
from models.command_line import InputError
from models.video.encode import encode_video
from models.video.io import read_frames
from models.vision.clip import ClipVisionConfig

TINY_CLIP = ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=16)
SIZE = (90, 160)  # (H, W) of the test clips: the stand-in's real footage, a quarter of its size


def clip(path: Path, start: int, frames: int) -> Path:
    """`frames` consecutive frames of the stand-in footage from `start`, 160x90, as an H.264 file."""
    source = read_frames(STANDIN_SOURCE, start=start, stop=start + frames)[:, ::4, ::4][:, : SIZE[0], : SIZE[1]]
    encode_video(path, source, 16, SIZE[1], SIZE[0])
    return path


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> list[Path]:
    """a..e: four real 6-frame clips and, third, a one-frame clip (no consecutive pair to score)."""
    folder = tmp_path_factory.mktemp("clips")
    return [clip(folder / "a.mp4", 0, 6), clip(folder / "b.mp4", 40, 6), clip(folder / "c_one_frame.mp4", 80, 1),
            clip(folder / "d.mp4", 120, 6), clip(folder / "e.mp4", 160, 6)]  # fmt: skip


@pytest.fixture(scope="module")
def metrics():
    torch.manual_seed(0)
    return [background_consistency(random_init=True, config=TINY_CLIP), temporal_flickering()]


def sequential(videos: list[Path], metrics) -> list[tuple[dict, dict]]:
    """Each video decoded, then scored, one after the other (the pipeline before prefetching)."""
    return [score_frames(path, read_frames(path), metrics) for path in videos]


def test_prefetched_scores_equal_sequential_ones(videos, metrics):
    good = [v for v in videos if "one_frame" not in v.name]
    rows, entries = score_videos(good, metrics, n_boot=20)
    expected = sequential(good, metrics)
    assert rows == [row for row, _ in expected]  # same order, same means, bit for bit
    assert [r["video"] for r in rows] == ["a.mp4", "b.mp4", "d.mp4", "e.mp4"]
    flat = np.concatenate([values["background_consistency"] for _, values in expected])
    assert entries["background_consistency"]["value"] == flat.mean()
    assert entries["temporal_flickering"]["note"].endswith("no backbone (precision reference)")


def test_a_video_failing_in_the_middle_is_recorded_and_the_rest_scored_in_order(videos, metrics):
    rows, entries, failed = score_batch(videos[0].parent, videos, lambda: metrics, n_boot=20, seed=0)
    assert [r["video"] for r in rows] == ["a.mp4", "b.mp4", "d.mp4", "e.mp4"]
    assert rows == [row for row, _ in sequential([videos[i] for i in (0, 1, 3, 4)], metrics)]
    [item] = failed
    assert item["video"] == "c_one_frame.mp4" and "c_one_frame.mp4" in item["error"] and "frame" in item["error"]
    assert entries["temporal_flickering"]["n"] == 4


def test_a_decode_error_in_the_background_thread_is_that_video_s_failure(videos, metrics, monkeypatch):
    def read(path: Path) -> np.ndarray:
        if path.name == "b.mp4":
            raise InputError(path, "decoding took over 0.001 s (at frame 3)")
        return read_frames(path)

    monkeypatch.setattr(appearance, "read_frames", read)
    rows, _, failed = score_batch(videos[0].parent, videos, lambda: metrics, n_boot=20, seed=0)
    assert [r["video"] for r in rows] == ["a.mp4", "d.mp4", "e.mp4"]
    assert [f["video"] for f in failed] == ["b.mp4", "c_one_frame.mp4"]  # in the order met
    assert failed[0]["error"].endswith("b.mp4: decoding took over 0.001 s (at frame 3)")
    with pytest.raises(InputError, match=r"b.mp4: decoding took over"):  # a paired set stops at the first
        score_videos(videos, metrics, n_boot=20)


def test_paired_scoring_raises_naming_the_first_unusable_video(videos, metrics):
    with pytest.raises(ValueError, match=r"c_one_frame.mp4: .*frame"):
        score_videos(videos, metrics, n_boot=20)
