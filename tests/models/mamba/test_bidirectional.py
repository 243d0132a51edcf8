"""The fused BiMamba sampling path (both directions in one numba call each for conv and scan, packed
weights cached per mixer pair) equals the two separate eager Mamba calls within float32 round-off,
the cache follows parameter changes, and its exp/exp2/log1p/softplus/silu are within 2 ulp of float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numba import njit, prange

from models.mamba import Mamba, bidirectional_mamba
from models.mamba.compiled_scan import _FAST, _exp, _exp2, _silu, _softplus
from models.mamba.mixer import _can_fuse, packed_bidirectional


def _mixers(width: int, seed: int) -> tuple[Mamba, Mamba]:
    """Two random mixers with spread-out decays, conv biases and skips (not just the initialisation)."""
    torch.manual_seed(seed)
    mixers = Mamba(width), Mamba(width)
    with torch.no_grad():
        for m in mixers:
            m.A_log.add_(torch.randn_like(m.A_log))
            m.conv1d.bias.normal_()
            m.D.normal_()
            m.dt_proj.bias.add_(torch.randn_like(m.dt_proj.bias))
    return mixers


@pytest.mark.parametrize(("width", "batch", "length"), [(8, 1, 5), (12, 3, 33), (32, 2, 77), (64, 1, 301), (72, 1, 64)])
def test_fused_equals_two_eager_mixers(width: int, batch: int, length: int) -> None:
    forward, backward = _mixers(width, seed=width)
    x = torch.randn(batch, length, width)
    with torch.no_grad():
        assert _can_fuse(forward, backward, x)
        reference = bidirectional_mamba(forward, backward, x, fused=False)
        fused = bidirectional_mamba(forward, backward, x)
    assert reference.abs().max() > 0.1
    torch.testing.assert_close(fused, reference, atol=2e-6, rtol=1e-5)


def test_packed_weights_follow_parameter_changes() -> None:
    forward, backward = _mixers(32, seed=1)
    x = torch.randn(1, 40, 32)
    with torch.no_grad():
        first = packed_bidirectional(forward, backward)
        assert packed_bidirectional(forward, backward) is first  # cached while nothing changes
        backward.A_log.add_(0.5)  # in place: the version counter moves
        forward.load_state_dict({k: v + 0.01 for k, v in forward.state_dict().items()})
        assert packed_bidirectional(forward, backward) is not first
        torch.testing.assert_close(
            bidirectional_mamba(forward, backward, x), bidirectional_mamba(forward, backward, x, fused=False),
            atol=2e-6, rtol=1e-5,
        )
        backward.out_proj.weight = torch.nn.Parameter(torch.randn_like(backward.out_proj.weight))  # replaced
        torch.testing.assert_close(
            bidirectional_mamba(forward, backward, x), bidirectional_mamba(forward, backward, x, fused=False),
            atol=2e-6, rtol=1e-5,
        )


def test_unfusable_calls_take_the_eager_path() -> None:
    forward, backward = _mixers(8, seed=0)
    x = torch.randn(1, 9, 8)
    assert not _can_fuse(forward, backward, x)  # gradients on: training uses the parallel scan
    with torch.no_grad():
        assert not _can_fuse(forward, backward, x.double())  # the kernels are float32
        forward.backend = backward.backend = "chunked"
        assert not _can_fuse(forward, backward, x)


@njit(fastmath=_FAST, parallel=True)
def _lanes(x: np.ndarray, which: int) -> np.ndarray:  # pragma: no cover (compiled)
    """The helpers as the kernels run them: vectorised over 16 lanes inside prange."""
    out = np.empty_like(x)
    for row in prange(x.shape[0]):
        for w in range(x.shape[1]):
            v = x[row, w]
            out[row, w] = _exp(v) if which == 0 else (_softplus(v) if which == 1 else (_silu(v) if which == 2 else _exp2(v)))
    return out


@pytest.mark.parametrize(("which", "exact", "bound"), [
    (0, np.exp, 40), (1, lambda x: np.logaddexp(0, x), 40), (2, lambda x: x / (1 + np.exp(-x)), 40), (3, np.exp2, 126),
])  # fmt: skip
def test_vectorised_math_is_within_two_ulp(which: int, exact: object, bound: float) -> None:
    x = np.linspace(-bound, bound if which < 3 else 0, 160_000, dtype=np.float32).reshape(-1, 16)  # exp2: decays, x <= 0
    expected = exact(x.astype(np.float64))  # type: ignore[operator]
    relative = np.abs(_lanes(x, which) - expected) / np.maximum(np.abs(expected), 1e-30)
    assert relative.max() < 2.5e-7, relative.max()
