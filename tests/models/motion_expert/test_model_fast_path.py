"""The Motion Expert's CPU sampling fast path (fused BiMamba) against the eager reference
(BiMamba.fused = False): one forward and a short DDIM sampling run agree within float32 round-off."""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch

from models.diffusion.checkpoint import CheckpointMeta, LoadedModel
from models.diffusion.generation import DanceGenerator
from models.diffusion.guidance import GUIDANCE_PRESETS
from models.diffusion.normalizer import MinMaxNormalizer
from models.motion_expert import MotionExpert, MotionExpertConfig
from models.motion_expert.model import BiMamba
from models.registry import MODEL_KINDS, build_model

TINY = MotionExpertConfig.preset("cpu_small", width=32, ff_width=64, heads=2, dance_layers=2, music_layers=1)
ODD = MotionExpertConfig.preset("cpu_small", width=40, ff_width=48, heads=4, dance_layers=1, music_layers=2)  # 80 channels: a partial scan group


def _set_fused(model: torch.nn.Module, fused: bool) -> None:
    """Switch every BiMamba of `model` between the fused path and the eager reference."""
    for module in model.modules():
        if isinstance(module, BiMamba):
            module.fused = fused


def _both(model: torch.nn.Module, call: object) -> tuple[torch.Tensor, torch.Tensor]:
    """call() on the eager reference, then on the fused path."""
    outputs = []
    for fused in (False, True):
        _set_fused(model, fused)
        outputs.append(call())  # type: ignore[operator]
    return outputs[0], outputs[1]


def _randomised(model: MotionExpert) -> MotionExpert:
    """Spread out the mixers' decays, conv biases, skips and step sizes beyond their initialisation."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("A_log", "conv1d.bias", "D", "dt_proj.bias")):
                p.add_(torch.randn_like(p))
    return model


@pytest.mark.parametrize(("config", "length"), [(TINY, 45), (ODD, 77)])
def test_forward_equals_eager_reference(config: MotionExpertConfig, length: int) -> None:
    torch.manual_seed(0)
    model = _randomised(MotionExpert(config)).eval()
    g = torch.Generator().manual_seed(1)
    x, music = torch.randn(2, length, 151, generator=g), torch.randn(2, length, 35, generator=g)
    t, genre, keep = torch.tensor([10, 900]), torch.tensor([0, 3]), torch.tensor([True, False])
    with torch.no_grad():
        reference, fused = _both(model, lambda: model(x, t, music, genre, keep, torch.rand(2, generator=g.manual_seed(2))))
    torch.testing.assert_close(fused, reference, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("guidance", ["gft-paper", "cfg"])
def test_sampling_equals_eager_reference(guidance: str) -> None:
    meta = CheckpointMeta(kind="motion_expert", model=TINY.to_dict(), guidance=asdict(GUIDANCE_PRESETS[guidance]))
    torch.manual_seed(0)
    model = build_model(meta).eval()
    normalizer = MinMaxNormalizer(-torch.ones(151), torch.ones(151))
    generator = DanceGenerator(LoadedModel(meta, model, normalizer, ""), MODEL_KINDS["motion_expert"], sampling_steps=5)
    music = torch.randn(1, 64, 35, generator=torch.Generator().manual_seed(3))
    genre = torch.zeros(1, dtype=torch.long)
    reference, fused = _both(model, lambda: generator.sample_batch(music, genre, torch.Generator().manual_seed(4)))
    assert reference.abs().max() > 0.1
    torch.testing.assert_close(fused, reference, atol=1e-5, rtol=1e-5)
