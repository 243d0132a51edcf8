"""LPIPS: real-size random AlexNet/VGG16 loaded from torchvision-format files, checked against a
straightforward re-computation written from the PerceptualSimilarity code, plus its identities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmark.metrics.video.lpips import (
    HEADS_DIR,
    load_heads,
    load_lpips,
    lpips_frames,
)
from models.vision.lpips_backbones import BACKBONES, TappedFeatures

# torchvision `features`: (index, out channels, kernel, stride, padding) of each conv; "M" = max-pool
_ALEX = [(0, 64, 11, 4, 2), "M", (3, 192, 5, 1, 2), "M", (6, 384, 3, 1, 1), (8, 256, 3, 1, 1), (10, 256, 3, 1, 1)]
_ALEX_SLICE_ENDS = [0, 3, 6, 8, 10]  # the conv whose ReLU closes lpips' slice1..slice5
_VGG_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
_VGG_SLICE_ENDS = [2, 7, 14, 21, 28]


def _torchvision_file(tmp_path: Path, net: str, seed: int = 0) -> tuple[Path, dict[str, torch.Tensor]]:
    """A random state dict in torchvision's layout (features.* plus a classifier) saved like the real file."""
    torch.manual_seed(seed)
    state = {k: v.clone() for k, v in TappedFeatures(BACKBONES[net]).state_dict().items()}
    state["classifier.1.weight"] = torch.zeros(3, 3)  # the real files carry a classifier: ignored
    path = tmp_path / BACKBONES[net].weights.filename
    torch.save(state, path)
    return path, state


def _reference_features(net: str, state: dict[str, torch.Tensor], x: torch.Tensor) -> list[torch.Tensor]:
    """The five LPIPS taps by plain functional calls on the saved tensors."""
    taps = []
    if net == "alex":
        for layer in _ALEX:
            if layer == "M":
                x = F.max_pool2d(x, 3, 2)
                continue
            index, _, _, stride, pad = layer
            x = F.relu(F.conv2d(x, state[f"features.{index}.weight"], state[f"features.{index}.bias"], stride, pad))
            if index in _ALEX_SLICE_ENDS:
                taps.append(x)
        return taps
    for index in _VGG_CONVS:
        if index in (5, 10, 17, 24):
            x = F.max_pool2d(x, 2, 2)
        x = F.relu(F.conv2d(x, state[f"features.{index}.weight"], state[f"features.{index}.bias"], 1, 1))
        if index in _VGG_SLICE_ENDS:
            taps.append(x)
    return taps


def _reference_lpips(net: str, state: dict, heads: dict, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """lpips.LPIPS.forward v0.1 spelled out in float64 for (N, H, W, 3) uint8 frames."""
    state = {k: v.double() for k, v in state.items()}
    shift = torch.tensor([-0.030, -0.088, -0.188], dtype=torch.float64).view(1, 3, 1, 1)
    scale = torch.tensor([0.458, 0.448, 0.450], dtype=torch.float64).view(1, 3, 1, 1)
    to_input = lambda im: (torch.from_numpy(im).double().permute(0, 3, 1, 2) / 127.5 - 1 - shift) / scale
    total = 0.0
    for k, (f0, f1) in enumerate(zip(_reference_features(net, state, to_input(x0)), _reference_features(net, state, to_input(x1)))):
        n0 = f0 / (torch.sqrt((f0**2).sum(1, keepdim=True)) + 1e-10)
        n1 = f1 / (torch.sqrt((f1**2).sum(1, keepdim=True)) + 1e-10)
        w = heads[f"lin{k}.model.1.weight"].double().view(1, -1, 1, 1)
        total = total + ((n0 - n1) ** 2 * w).sum(1).mean((1, 2))
    return total.numpy()


@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_lpips_matches_a_plain_recomputation(tmp_path: Path, net: str) -> None:
    path, state = _torchvision_file(tmp_path, net)
    model = load_lpips(net, path)
    rng = np.random.default_rng(1)
    x0 = rng.integers(0, 256, (2, 48, 64, 3), dtype=np.uint8)
    x1 = np.clip(x0.astype(int) + rng.integers(-40, 40, x0.shape), 0, 255).astype(np.uint8)
    heads = torch.load(HEADS_DIR / f"{net}.pth", map_location="cpu", weights_only=True)
    got = lpips_frames(model, x1, x0, batch=2)
    want = _reference_lpips(net, state, heads, x1, x0)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-6)
    assert (got > 1e-4).all()
    np.testing.assert_allclose(lpips_frames(model, x0, x1), got, rtol=1e-5)  # symmetric
    np.testing.assert_allclose(lpips_frames(model, x0, x0), 0.0, atol=1e-7)  # LPIPS(x, x) = 0


def test_shipped_heads_are_lpips_v01(tmp_path: Path) -> None:
    model = load_lpips("alex", pretrained=False)
    load_heads(model, HEADS_DIR / "alex.pth")
    shipped = torch.load(HEADS_DIR / "alex.pth", map_location="cpu", weights_only=True)
    assert [tuple(h.weight.shape) for h in model.heads] == [(1, c, 1, 1) for c in (64, 192, 384, 256, 256)]
    assert torch.equal(model.heads[2].weight, shipped["lin2.model.1.weight"])
    assert all((h.weight >= 0).all() for h in model.heads)  # v0.1 heads are clamped non-negative


def test_missing_or_wrong_weights_fail_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv("MACE_BENCH_ALEXNET", raising=False)
    with pytest.raises(FileNotFoundError, match=r"alexnet-owt-7be5be79\.pth.*download\.pytorch\.org"):
        load_lpips("alex")
    vgg_path, _ = _torchvision_file(tmp_path, "vgg")
    with pytest.raises(ValueError, match="vgg16-397923af.pth: missing 6 backbone tensors"):
        load_lpips("alex", vgg_path)  # the other network's file
    alex_path, state = _torchvision_file(tmp_path, "alex")
    state["features.3.weight"] = state["features.3.weight"][:100]
    torch.save(state, alex_path)
    with pytest.raises(ValueError, match=r"features.3.weight has shape \(100, 64, 5, 5\), expected \(192"):
        load_lpips("alex", alex_path)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="garbage.pth: not a readable"):
        load_lpips("alex", garbage)
    with pytest.raises(ValueError, match="unknown LPIPS backbone"):
        load_lpips("squeeze", pretrained=False)
