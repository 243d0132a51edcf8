"""Relay rendering on the tiny Wan-Animate: equal to diffusers' own pipeline call, exact length, hand-off checked."""

from __future__ import annotations

import functools

import numpy as np
import PIL.Image
import pytest
import torch

from models.appearance_expert.config import TINY
from models.appearance_expert.pipeline import build_tiny_pipeline
from models.appearance_expert.relay import RelayRenderer, SegmentRecord, plan_segments
from models.video.frames import reflect_index

RENDER = TINY.render  # 16x16, segments of 9 frames, 1 conditioning frame, 2 steps


@functools.cache
def _pipe():
    pipe = build_tiny_pipeline(TINY)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _inputs(frames: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    size = TINY.motion_encoder_size
    return (rng.integers(0, 256, (16, 16, 3), dtype=np.uint8), rng.integers(0, 256, (frames, 16, 16, 3), dtype=np.uint8),
            rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8))  # fmt: skip


def _relay(frames: int, records: list | None = None, seed: int = 0) -> np.ndarray:
    image, pose, face = _inputs(frames, seed)
    hook = records.append if records is not None else None
    out = RelayRenderer(_pipe(), RENDER).frames(image, pose.__getitem__, face.__getitem__, frames, hook, progress=False)
    return np.stack(list(out))


def test_plan_matches_the_pipeline_arithmetic():
    # L=9, p=1: segments advance by 8; N=21 -> (21-1)/8 -> 3 segments, the last one padded by 4 frames
    assert [(s.start, s.keep) for s in plan_segments(21, 9, 1)] == [(0, 0), (8, 1), (16, 1)]
    assert len(plan_segments(9, 9, 1)) == 1 and len(plan_segments(10, 9, 1)) == 2
    assert len(plan_segments(1, 9, 1)) == 1
    assert len(plan_segments(481, 77, 5)) == 7  # 30 s at 16 fps in paper-size segments
    with pytest.raises(ValueError, match="4k\\+1"):
        plan_segments(20, 10, 1)


def test_reflect_padding_is_the_pipelines():
    frames = list(range(5))
    expected = _pipe().pad_video_frames(frames, 13)
    assert [reflect_index(i, 5) for i in range(13)] == expected


def test_relay_equals_diffusers_pipeline_call():
    """Our streamed segment loop reproduces WanAnimatePipeline.__call__ frame for frame (3 segments)."""
    frames = 21
    image, pose, face = _inputs(frames)
    expected = _pipe()(
        image=PIL.Image.fromarray(image), pose_video=[PIL.Image.fromarray(f) for f in pose],
        face_video=[PIL.Image.fromarray(f) for f in face], prompt=RENDER.prompt, height=16, width=16,
        segment_frame_length=RENDER.segment_frames, prev_segment_conditioning_frames=RENDER.prev_frames,
        num_inference_steps=RENDER.steps, guidance_scale=RENDER.guidance, output_type="np",
        generator=torch.Generator().manual_seed(RENDER.seed), max_sequence_length=RENDER.max_sequence_length,
    ).frames[0]  # fmt: skip
    ours = _relay(frames)
    assert ours.shape == (frames, 16, 16, 3)
    difference = np.abs(ours.astype(int) - (expected * 255).round().astype(int))
    assert difference.max() <= 1  # the same floats, rounded to uint8 along two paths
    assert (difference == 0).mean() > 0.99


def test_each_segment_is_handed_the_previous_segments_last_decoded_frames():
    records: list[SegmentRecord] = []
    video = _relay(30, records)
    assert len(video) == 30 and len(records) == 4
    assert records[0].conditioning is None
    for before, after in zip(records, records[1:]):
        assert np.array_equal(after.conditioning, before.decoded[-RENDER.prev_frames :])
    # the output is the first segment whole, then every later segment without its conditioning frame
    stitched = np.concatenate([records[0].decoded, *(r.decoded[1:] for r in records[1:])])[:30]
    assert np.array_equal(video, stitched)


def test_same_seed_same_video_other_seed_other_video():
    first, again = _relay(12), _relay(12)
    assert np.array_equal(first, again)
    other = RelayRenderer(_pipe(), TINY.render.__class__(**{**TINY.render.__dict__, "seed": 1}))
    image, pose, face = _inputs(12)
    changed = np.stack(list(other.frames(image, pose.__getitem__, face.__getitem__, 12, progress=False)))
    assert not np.array_equal(first, changed)
