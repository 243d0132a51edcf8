"""The Mamba mixer (Gu & Dao 2023) with `mamba_ssm.Mamba`'s parameter names and three scan backends.

- `cuda`: the `mamba_ssm` kernels (extra `gpu`), used only for CUDA tensors when the package imports;
  the fused `mamba_inner_fn` when `causal_conv1d` is installed too, else `selective_scan_fn`.
- `parallel`: a pure-PyTorch Blelloch scan (`mambapy.pscan`: pads L to a power of two, materialises
  (B,L,ED,N), has a fast backward); `auto` uses it on CPU when gradients are on (training).
- `recurrent`: the step-by-step recurrence, never materialising (B,L,ED,N); the reference the
  others are checked against, and on CPU under no_grad (sampling) 3-5x faster than `parallel`.

The parameters (in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj) are the same whatever the
backend, so one state dict loads into any of them and into `mamba_ssm.Mamba` itself.
"""

from __future__ import annotations

import functools
import math
from typing import Literal

import torch
import torch.nn.functional as F
from mambapy.pscan import pscan
from torch import nn

Backend = Literal["auto", "cuda", "parallel", "recurrent"]
BACKENDS = ("auto", "cuda", "parallel", "recurrent")


@functools.cache
def _cuda_kernels() -> tuple[object, object] | None:
    """(selective_scan_fn, mamba_inner_fn or None) from mamba_ssm, or None when it does not import."""
    try:
        from mamba_ssm.ops.selective_scan_interface import (
            mamba_inner_fn,
            selective_scan_fn,
        )
    except (ImportError, OSError):
        return None
    try:
        import causal_conv1d  # noqa: F401  (the fused path needs its kernels)
    except (ImportError, OSError):
        return selective_scan_fn, None
    return selective_scan_fn, mamba_inner_fn


def available_backends() -> list[str]:
    """Backends usable in this environment (`cuda` needs a GPU and an importable mamba_ssm)."""
    found = ["parallel", "recurrent"]
    if torch.cuda.is_available() and _cuda_kernels() is not None:
        found.insert(0, "cuda")
    return found


def resolve_backend(backend: str, device: torch.device) -> str:
    """The concrete backend for tensors on `device`: `auto` picks cuda when it can, else parallel
    while gradients are enabled and recurrent otherwise."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown Mamba backend {backend!r}; expected one of {BACKENDS}")
    on_cuda = device.type == "cuda"
    if backend == "auto":
        if on_cuda and _cuda_kernels() is not None:
            return "cuda"
        return "parallel" if torch.is_grad_enabled() else "recurrent"
    if backend == "cuda":
        if not on_cuda:
            raise ValueError(f"Mamba backend 'cuda' needs CUDA tensors, got device {device}")
        if _cuda_kernels() is None:
            raise ValueError(
                "Mamba backend 'cuda' needs mamba_ssm: pip install -c constraints.txt -e '.[gpu]' "
                "(MAMBA_FORCE_BUILD=TRUE, --no-build-isolation)"
            )
    return backend


def selective_scan(
    u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
    D: torch.Tensor, parallel: bool = True,
) -> torch.Tensor:
    """y_t = C_t h_t + D u_t with h_t = exp(delta_t A) h_{t-1} + delta_t B_t u_t.

    u, delta: (B,L,ED); A: (ED,N); B, C: (B,L,N); D: (ED,). `parallel` materialises (B,L,ED,N);
    the recurrence keeps only h (B,ED,N).
    """
    du = delta * u
    if parallel:
        states = pscan(torch.exp(delta.unsqueeze(-1) * A), du.unsqueeze(-1) * B.unsqueeze(2))
        return (states @ C.unsqueeze(-1)).squeeze(-1) + D * u
    h = u.new_zeros(u.shape[0], u.shape[2], A.shape[1])
    ys = []
    for t in range(u.shape[1]):
        h = torch.exp(delta[:, t, :, None] * A) * h + du[:, t, :, None] * B[:, t, None, :]
        ys.append((h @ C[:, t, :, None]).squeeze(-1))
    return torch.stack(ys, dim=1) + D * u


class Mamba(nn.Module):
    """Selective SSM mixer (B,L,d_model) -> (B,L,d_model), parameter-compatible with mamba_ssm.Mamba."""

    def __init__(
        self, d_model: int, d_state: int = 16, d_conv: int = 4, expand: int = 2,
        dt_min: float = 0.001, dt_max: float = 0.1, dt_init_floor: float = 1e-4, backend: Backend = "auto",
    ) -> None:
        super().__init__()
        resolve_backend(backend, torch.device("cuda" if backend == "cuda" else "cpu"))
        self.backend = backend
        self.d_inner = expand * d_model
        self.d_state = d_state
        self.dt_rank = math.ceil(d_model / 16)
        self.in_proj = nn.Linear(d_model, 2 * self.d_inner, bias=False)
        self.conv1d = nn.Conv1d(self.d_inner, self.d_inner, d_conv, groups=self.d_inner, padding=d_conv - 1)
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner)
        self.out_proj = nn.Linear(self.d_inner, d_model, bias=False)
        # mamba_ssm's initialisation: dt in [dt_min, dt_max] log-uniformly, A = -[1..N] per channel.
        std = self.dt_rank**-0.5
        nn.init.uniform_(self.dt_proj.weight, -std, std)
        dt = torch.exp(torch.rand(self.d_inner) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = dt.clamp(min=dt_init_floor)
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(self.d_inner, 1))
        self.D = nn.Parameter(torch.ones(self.d_inner))
        self.A_log._no_weight_decay = True  # type: ignore[attr-defined]
        self.D._no_weight_decay = True  # type: ignore[attr-defined]
        torch.set_flush_denormal(True)  # CPU only: denormal decays make the scans ~10x slower

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        backend = resolve_backend(self.backend, x.device)
        if backend == "cuda":
            return self._forward_cuda(x)
        length = x.shape[1]
        u, z = self.in_proj(x).chunk(2, dim=-1)
        u = F.silu(self.conv1d(u.transpose(1, 2))[..., :length].transpose(1, 2))
        dt, B, C = self.x_proj(u).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log.float())
        y = selective_scan(u, delta, A, B, C, self.D.float(), parallel=backend == "parallel")
        return self.out_proj(y * F.silu(z))

    def _forward_cuda(self, x: torch.Tensor) -> torch.Tensor:
        selective_scan_fn, mamba_inner_fn = _cuda_kernels()  # type: ignore[misc]
        length = x.shape[1]
        xz = self.in_proj(x).transpose(1, 2)  # (B, 2ED, L), the kernels' layout
        A = -torch.exp(self.A_log.float())
        if mamba_inner_fn is not None:
            return mamba_inner_fn(
                xz, self.conv1d.weight, self.conv1d.bias, self.x_proj.weight, self.dt_proj.weight,
                self.out_proj.weight, self.out_proj.bias, A, None, None, self.D.float(),
                delta_bias=self.dt_proj.bias.float(), delta_softplus=True,
            )
        u, z = xz.chunk(2, dim=1)
        u = F.silu(self.conv1d(u)[..., :length])
        dt, B, C = self.x_proj(u.transpose(1, 2)).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = (dt @ self.dt_proj.weight.T).transpose(1, 2)
        y = selective_scan_fn(
            u, delta, A, B.transpose(1, 2).contiguous(), C.transpose(1, 2).contiguous(), self.D.float(),
            z=z, delta_bias=self.dt_proj.bias.float(), delta_softplus=True,
        )
        return self.out_proj(y.transpose(1, 2))
