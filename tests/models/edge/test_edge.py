"""EDGE baseline: published size, rotary attention, long-form windows, inpainting and stitching."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from manifests.sample import SAMPLE_ROOT
from models.body.formats import load_motion
from models.body.formats_edge import decode_edge151, encode_edge151
from models.diffusion.guidance import GUIDANCE_PRESETS
from models.diffusion.schedule import DiffusionConfig, GaussianDiffusion
from models.edge import Edge, EdgeConfig
from models.edge.longform import (
    ramped_weights,
    sample_long,
    stitch_windows,
    window_count,
)
from models.edge.model import Rotary
from models.registry import dance_generator
from tests.golden import REPO

DEMO = REPO / "models" / "checkpoints" / "edge_demo.safetensors"
TINY = EdgeConfig.preset("cpu_small", width=32, ff_width=64, heads=2, dance_layers=1, window=20)


def test_paper_preset_has_the_published_size() -> None:
    model = Edge(EdgeConfig.preset("paper"))
    count = sum(p.numel() for p in model.parameters())
    assert count == 47_024_791  # 49.5M with Jukebox's 4800-d input: + (4800 - 35) * 512
    assert count + (4800 - 35) * 512 == pytest.approx(49.5e6, rel=0.005)


def test_rotary_attention_scores_depend_on_relative_position_only() -> None:
    rotary = Rotary(16)
    v = torch.randn(1, 1, 16).expand(1, 12, 16)
    w = torch.randn(1, 1, 16).expand(1, 12, 16)
    q, k = rotary(v), rotary(w)
    scores = q[0] @ k[0].T
    torch.testing.assert_close(scores[3, 1], scores[9, 7])
    torch.testing.assert_close(rotary(v).norm(dim=-1), v.norm(dim=-1))


def test_window_count_covers_the_sequence() -> None:
    assert [window_count(n, 150) for n in (100, 150, 151, 225, 1024)] == [1, 1, 2, 2, 13]


def test_guidance_ramps_like_edges_long_form() -> None:
    weights = list(ramped_weights(GaussianDiffusion(), 2.0).values())
    assert weights[0] == 0 and weights[-1] == 2.0 and max(weights) == 2.0 and len(weights) == 50


def test_stitching_windows_cut_from_one_dance_gives_it_back() -> None:
    dance = encode_edge151(load_motion(SAMPLE_ROOT / "motion" / "s001.npy"))[:100]
    windows = np.stack([dance[k * 20 : k * 20 + 40] for k in range(4)])
    np.testing.assert_allclose(stitch_windows(windows), dance, atol=1e-9)


def test_stitching_spreads_window_disagreement_over_the_overlap() -> None:
    """Windows of a real dance whose overlaps disagree (root offsets, rotation noise): every stitched
    frame step stays within the windows' own motion plus the disagreement spread over half frames."""
    dance = encode_edge151(load_motion(SAMPLE_ROOT / "motion" / "s001.npy"))[:100]
    rng = np.random.default_rng(0)
    windows = np.stack([dance[k * 20 : k * 20 + 40] for k in range(4)])
    windows[:, :, 4:7] += rng.normal(0, 0.3, (4, 1, 3))  # each window's root displaced as a whole
    windows[:, :, 7:] += rng.normal(0, 0.05, (4, 1, 144))  # and its rotations biased
    stitched = decode_edge151(stitch_windows(windows)).positions()
    parts = [decode_edge151(w).positions() for w in windows]
    step = lambda p: np.linalg.norm(np.diff(p, axis=0), axis=-1).max()
    within = max(step(p) for p in parts)
    disagreement = max(np.linalg.norm(a[20:] - b[:20], axis=-1).max() for a, b in itertools.pairwise(parts))
    assert disagreement > 5 * within  # a jump cut would show up as a seam
    assert step(stitched) <= within + 1.1 * disagreement / 19


def test_long_form_inpainting_makes_overlaps_agree() -> None:
    torch.manual_seed(0)
    model = Edge(TINY).eval()
    diffusion = GaussianDiffusion(DiffusionConfig(sampling_steps=4, clip_x0=False))
    music = torch.randn(50, 35)
    states = []
    sample = diffusion.ddim_sample

    def spy(denoise, shape, generator, device, after_step=None):
        def record(x):
            states.append(after_step(x).clone())
            return states[-1]

        return sample(denoise, shape, generator, device, record)

    diffusion.ddim_sample = spy  # type: ignore[method-assign]
    windows = sample_long(model, diffusion, GUIDANCE_PRESETS["cfg"], music, torch.Generator().manual_seed(0))
    assert windows.shape == (window_count(50, 20), 20, 151) == (4, 20, 151)
    assert len(states) == 3  # every step but the last
    for x in states:
        torch.testing.assert_close(x[1:, :10], x[:-1, 10:], rtol=0, atol=0)
    overlap = (windows[1:, :10] - windows[:-1, 10:]).abs().mean()
    spread = (windows[1:, 10:] - windows[:-1, 10:]).abs().mean()
    assert overlap < 0.75 * spread  # only the final x0 prediction is free to differ
    with pytest.raises(ValueError, match="at most its window"):
        model.encode_music(torch.randn(1, 21, 35), torch.zeros(1, dtype=torch.long), torch.ones(1))
    with pytest.raises(ValueError, match="no GFT beta"):
        model(torch.randn(1, 20, 151), torch.zeros(1).long(), torch.randn(1, 20, 35), torch.zeros(1).long(), torch.ones(1), torch.ones(1))


def test_demo_generates_past_its_window_by_stitching() -> None:
    generator = dance_generator(DEMO, sampling_steps=4)
    window = generator.loaded.model.config.window
    frames = 2 * window + 7
    music = np.cumsum(np.random.default_rng(0).normal(size=(frames, 35)), 0).astype(np.float32) / 10
    a, b = (generator.generate([music], [None], seed=0)[0] for _ in range(2))
    assert a.shape == (frames, 151) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert decode_edge151(a).num_frames == frames
    joints = decode_edge151(a).positions()
    step = np.linalg.norm(np.diff(joints, axis=0), axis=-1).mean(-1)  # mean joint displacement per frame
    half = window // 2  # windows start every half window; each seam is a cross-faded overlap
    seams = [s for s in range(half, frames - 1, half)]
    inside = np.delete(step, [s - 1 for s in seams] + seams)
    assert step[seams].max() <= 2 * inside.max(), (step[seams].max(), inside.max())
