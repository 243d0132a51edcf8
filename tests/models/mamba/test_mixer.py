"""The Mamba mixer: backends agree with each other and with mambapy's independent implementation,
state dicts carry mamba_ssm's names, backend selection, causality."""

from __future__ import annotations

import pytest
import torch
from mambapy.mamba import MambaBlock, MambaConfig

from models.mamba import Mamba, available_backends, resolve_backend, selective_scan
from models.mamba.mixer import SCANS

MAMBA_SSM_KEYS = {
    "A_log": (64, 16), "D": (64,), "in_proj.weight": (128, 32), "conv1d.weight": (64, 1, 4),
    "conv1d.bias": (64,), "x_proj.weight": (2 + 32, 64), "dt_proj.weight": (64, 2), "dt_proj.bias": (64,),
    "out_proj.weight": (32, 64),
}  # fmt: skip


def test_state_dict_has_mamba_ssm_names_and_shapes() -> None:
    state = Mamba(32).state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == MAMBA_SSM_KEYS


def test_scans_agree_with_mambapy_reference() -> None:
    torch.manual_seed(0)
    mixer = Mamba(32)
    reference = MambaBlock(MambaConfig(d_model=32, n_layers=1, pscan=False))
    reference.load_state_dict(mixer.state_dict())  # the same state dict ports across implementations
    x = torch.randn(2, 77, 32)  # not a power of two (pscan pads) nor a multiple of the chunk
    expected = reference(x)
    assert expected.abs().mean() > 1e-3
    for backend in SCANS:
        mixer.backend = backend
        with torch.no_grad():  # the compiled scan is forward only
            torch.testing.assert_close(mixer(x), expected, atol=1e-6, rtol=1e-5, msg=backend)


@pytest.mark.parametrize("delta_scale", [0.05, 3.0, 400.0])
def test_chunked_and_compiled_scans_are_exact_for_any_decay(delta_scale: float) -> None:
    """Steep decays shorten the chunk (down to 1 step) instead of overflowing e^{-S}."""
    torch.manual_seed(3)
    u, delta = torch.randn(2, 70, 8), torch.rand(2, 70, 8) * delta_scale
    A, B, C, D = -torch.rand(8, 4) * 16 - 0.1, torch.randn(2, 70, 4), torch.randn(2, 70, 4), torch.ones(8)
    expected = selective_scan(u, delta, A, B, C, D, scan="recurrent")
    for scan in ("chunked", "compiled"):
        out = selective_scan(u, delta, A, B, C, D, scan=scan)
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-4, msg=scan)


def test_compiled_scan_refuses_gradients() -> None:
    u = torch.randn(1, 5, 4, requires_grad=True)
    args = (torch.rand(1, 5, 4), -torch.rand(4, 2), torch.randn(1, 5, 2), torch.randn(1, 5, 2), torch.ones(4))
    with pytest.raises(ValueError, match="no backward"):
        selective_scan(u, *args, scan="compiled")


def test_scan_gradients_agree() -> None:
    torch.manual_seed(1)
    u, delta = torch.randn(1, 20, 8, requires_grad=True), torch.rand(1, 20, 8) * 0.5
    A, B, C, D = -torch.rand(8, 4) - 0.1, torch.randn(1, 20, 4), torch.randn(1, 20, 4), torch.ones(8)
    grads = []
    for scan in ("parallel", "chunked", "recurrent"):
        (selective_scan(u, delta, A, B, C, D, scan=scan) ** 2).sum().backward()
        grads.append(u.grad.clone())
        u.grad = None
    for grad in grads[1:]:
        torch.testing.assert_close(grad, grads[0], atol=1e-5, rtol=1e-5)


def test_forward_mamba_is_causal() -> None:
    torch.manual_seed(2)
    mixer = Mamba(16).eval()
    x = torch.randn(1, 30, 16)
    y = mixer(x)
    x2 = x.clone()
    x2[:, 20:] += 1.0
    y2 = mixer(x2)
    torch.testing.assert_close(y[:, :20], y2[:, :20])
    assert (y[:, 20:] - y2[:, 20:]).abs().max() > 1e-3


def test_backend_selection_on_cpu() -> None:
    cpu = torch.device("cpu")
    assert available_backends() == list(SCANS)  # no GPU here
    with torch.enable_grad():
        assert resolve_backend("auto", cpu) == "parallel"
    with torch.no_grad():
        assert resolve_backend("auto", cpu) == "compiled"
    assert resolve_backend("recurrent", cpu) == "recurrent"
    with pytest.raises(ValueError, match="needs CUDA tensors"):
        resolve_backend("cuda", cpu)
    with pytest.raises(ValueError, match="unknown Mamba backend"):
        Mamba(8, backend="triton")  # type: ignore[arg-type]
