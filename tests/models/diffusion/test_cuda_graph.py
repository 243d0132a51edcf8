"""CUDA-graph sampling steps (models.diffusion.cuda_graph): refused where they cannot run, and on a GPU
(skipped without one: bench/device_check.py runs the same comparison at the paper size) the graphed
motion equals the eager one, or capture fails with the one-line reason."""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch

from models.diffusion.checkpoint import CheckpointMeta, LoadedModel
from models.diffusion.cuda_graph import CudaGraphDenoiser
from models.diffusion.generation import DanceGenerator
from models.diffusion.guidance import GUIDANCE_PRESETS
from models.diffusion.normalizer import MinMaxNormalizer
from models.edge import EdgeConfig
from models.mamba import available_backends
from models.motion_expert import MotionExpertConfig
from models.registry import MODEL_KINDS, build_model

TINY = MotionExpertConfig.preset("cpu_small", width=32, ff_width=64, heads=2, dance_layers=2, music_layers=1)


def _loaded(kind: str, config: object, device: str) -> LoadedModel:
    guidance = "cfg" if kind == "edge" else "gft-paper"
    meta = CheckpointMeta(kind=kind, model=config.to_dict(), guidance=asdict(GUIDANCE_PRESETS[guidance]))  # type: ignore[attr-defined]
    torch.manual_seed(0)
    model = build_model(meta).to(device).eval()
    return LoadedModel(meta, model, MinMaxNormalizer(-torch.ones(151), torch.ones(151)).to(device), "")


def test_cpu_model_is_refused() -> None:
    with pytest.raises(ValueError, match="CUDA graphs need the model on a CUDA device, it is on cpu"):
        DanceGenerator(_loaded("motion_expert", TINY, "cpu"), MODEL_KINDS["motion_expert"], 5, cuda_graphs=True)


def test_windowed_sampler_is_refused() -> None:
    """EDGE's sampler reads each step's guidance weight on the host, which a graph cannot hold."""
    edge = EdgeConfig(width=32, ff_width=64, heads=2, dance_layers=1, music_layers=1)
    with pytest.raises(ValueError, match="not edge's"):
        DanceGenerator(_loaded("edge", edge, "cpu"), MODEL_KINDS["edge"], 5, cuda_graphs=True)


def test_cpu_tensors_are_refused() -> None:
    denoise = CudaGraphDenoiser(lambda x, t: x)
    with pytest.raises(ValueError, match="need CUDA tensors, got device cpu"):
        denoise(torch.zeros(1, 4, 151), torch.zeros(1, dtype=torch.long))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (device_check runs this at paper size)")
def test_graphed_sampling_equals_eager_on_gpu() -> None:
    loaded = _loaded("motion_expert", TINY, "cuda")
    eager = DanceGenerator(loaded, MODEL_KINDS["motion_expert"], 6)
    graphed = DanceGenerator(loaded, MODEL_KINDS["motion_expert"], 6, cuda_graphs=True)
    music = torch.randn(1, 96, 35, generator=torch.Generator().manual_seed(3)).cuda()
    genre = torch.zeros(1, dtype=torch.long, device="cuda")

    def sample(generator: DanceGenerator) -> torch.Tensor:
        return generator.sample_batch(music, genre, torch.Generator("cuda").manual_seed(4))

    if "cuda" not in available_backends():  # the chunked scan reads a value back to the host every step
        with pytest.raises(RuntimeError, match="CUDA graph capture of a sampling step failed"):
            sample(graphed)
        return
    reference = sample(eager)
    assert reference.abs().max() > 0.1
    torch.testing.assert_close(sample(graphed), reference, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(sample(graphed), reference, atol=1e-6, rtol=1e-6)  # a second call captures anew
