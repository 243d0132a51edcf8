"""Motion Expert: architecture facts, shapes at any length, null condition, both scan directions,
seeded determinism, and generation beyond the training window with the bundled demo checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.body.formats_edge import decode_edge151
from models.motion_expert import MotionExpert, MotionExpertConfig
from models.registry import dance_generator
from tests.golden import REPO

TINY = MotionExpertConfig.preset("cpu_small", width=32, ff_width=64, heads=2, dance_layers=2, music_layers=1)
DEMO = REPO / "models" / "checkpoints" / "motion_expert_demo.safetensors"


def _inputs(batch: int, frames: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, frames, 151, generator=g), torch.randint(0, 1000, (batch,), generator=g),
            torch.randn(batch, frames, 35, generator=g), torch.randint(0, 16, (batch,), generator=g))


def test_paper_preset_has_the_published_size() -> None:
    model = MotionExpert(MotionExpertConfig.preset("paper"))
    assert sum(p.numel() for p in model.parameters()) == 66_680_983  # "about 66.7M with 35-d music"
    assert len(model.dance_layers) == 8 and len(model.music_layers) == 2 and model.config.window == 1200
    with pytest.raises(ValueError, match="unknown MotionExpertConfig preset"):
        MotionExpertConfig.preset("huge")


@pytest.mark.parametrize("frames", [16, 45])
def test_forward_shapes_at_any_length(frames: int) -> None:
    torch.manual_seed(0)
    model = MotionExpert(TINY).eval()
    x, t, music, genre = _inputs(2, frames)
    with torch.no_grad():
        out = model(x, t, music, genre, torch.ones(2, dtype=torch.bool), torch.rand(2))
    assert out.shape == (2, frames, 151) and torch.isfinite(out).all()


def test_dropped_condition_ignores_music_and_genre() -> None:
    torch.manual_seed(0)
    model = MotionExpert(TINY).eval()
    x, t, music, genre = _inputs(1, 20)
    drop = torch.zeros(1, dtype=torch.bool)
    with torch.no_grad():
        a = model(x, t, music, genre, drop)
        b = model(x, t, music * 3 + 1, (genre + 1) % 16, drop)
        c = model(x, t, music * 3 + 1, genre, ~drop)
    torch.testing.assert_close(a, b)
    assert (a - c).abs().max() > 1e-4


def test_cached_music_keys_values_match_multihead_attention() -> None:
    """The cross-attention computed from keys/values cached once per sequence equals the public
    code's nn.MultiheadAttention call on the normalised music, with the same parameters."""
    torch.manual_seed(0)
    block = MotionExpert(TINY).eval().dance_layers[0].cross
    x, music = torch.randn(2, 17, 32), torch.randn(2, 23, 32)
    with torch.no_grad():
        ours = block(x, block.project_music(music))
        normed = block.norm_music(music)
        a = block.attn(block.norm_motion(x), normed, normed, need_weights=False)[0]
        public = block.ff_out(torch.nn.functional.gelu(block.ff_in(block.norm_ff(a))))
    torch.testing.assert_close(ours, public, atol=1e-6, rtol=1e-5)


def test_bimamba_sees_both_past_and_future() -> None:
    torch.manual_seed(0)
    model = MotionExpert(TINY).eval()
    x, t, music, genre = _inputs(1, 30)
    keep = torch.ones(1, dtype=torch.bool)
    with torch.no_grad():
        base = model(x, t, music, genre, keep)
        x2 = x.clone()
        x2[:, 20:] += 1
        changed = model(x2, t, music, genre, keep)
    assert (base[:, :20] - changed[:, :20]).abs().max() > 1e-4  # the backward scan carries the future


def test_demo_generation_is_seeded_and_extends_past_the_training_window() -> None:
    generator = dance_generator(DEMO, sampling_steps=10)
    window = generator.loaded.model.config.window
    frames = 3 * window
    g = np.random.default_rng(0)
    music = [np.cumsum(g.normal(size=(frames, 35)), 0).astype(np.float32) / 10]
    a = generator.generate(music, ["jazz"], seed=1)[0]
    b = generator.generate(music, ["jazz"], seed=1)[0]
    c = generator.generate(music, ["jazz"], seed=2)[0]
    assert a.shape == (frames, 151)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3
    joints = decode_edge151(a).positions()
    step = np.linalg.norm(np.diff(joints, axis=0), axis=-1).mean(-1)  # mean joint displacement per frame
    assert step[window:].max() <= 2 * step[:window].max(), (step[:window].max(), step[window:].max())
