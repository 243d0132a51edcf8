"""The Mamba mixer (Gu & Dao 2023) with `mamba_ssm.Mamba`'s parameter names and three scan backends.

- `cuda`: the `mamba_ssm` kernels (extra `gpu`), used only for CUDA tensors when the package imports;
  the fused `mamba_inner_fn` when `causal_conv1d` is installed too, else `selective_scan_fn`.
- `parallel`: a pure-PyTorch Blelloch scan (`mambapy.pscan`: pads L to a power of two, materialises
  (B,L,ED,N), has a fast backward); `auto` uses it on CPU when gradients are on (training).
- `compiled`: one fused loop compiled by numba (models.mamba.compiled_scan), forward only; `auto`
  uses it on CPU for sampling (no_grad).
- `chunked`: exact closed form inside chunks of time steps, h_t = e^{S_t} (h_0 + sum_{s<=t} e^{-S_s} x_s)
  with S the running sum of delta*A, vectorised over the chunk; chunks run in sequence carrying h.
  A chunk is at most 32 steps and shortened so e^{-S} cannot overflow; `auto` uses it for sampling
  on a GPU without mamba_ssm.
- `bidirectional_mamba`: a BiMamba's two mixers (forward time, reversed time); on the `compiled`
  backend both directions run as one matmul per projection and one numba call each for the conv and
  the scan, with no flipped copies, from weights packed once per pair and cached until a parameter
  changes (`fused=False` gives the two separate calls, the reference).
- `recurrent`: the step-by-step recurrence, never materialising (B,L,ED,N); the reference the
  others are checked against.

The parameters (in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj) are the same whatever the
backend, so one state dict loads into any of them and into `mamba_ssm.Mamba` itself.
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from mambapy.pscan import pscan
from torch import nn

from models.mamba.compiled_scan import bidirectional_conv_silu, bidirectional_scan, compiled_scan

Backend = Literal["auto", "cuda", "parallel", "compiled", "chunked", "recurrent"]
BACKENDS = ("auto", "cuda", "parallel", "compiled", "chunked", "recurrent")
SCANS = ("parallel", "compiled", "chunked", "recurrent")  # no mamba_ssm needed


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
    found = list(SCANS)
    if torch.cuda.is_available() and _cuda_kernels() is not None:
        found.insert(0, "cuda")
    return found


def resolve_backend(backend: str, device: torch.device) -> str:
    """The concrete backend for tensors on `device`: `auto` picks cuda when it can, else parallel
    while gradients are enabled (its backward is fast), else compiled on CPU and chunked on GPU."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown Mamba backend {backend!r}; expected one of {BACKENDS}")
    on_cuda = device.type == "cuda"
    if backend == "auto":
        if on_cuda and _cuda_kernels() is not None:
            return "cuda"
        if torch.is_grad_enabled():
            return "parallel"
        return "chunked" if on_cuda else "compiled"
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
    D: torch.Tensor, scan: str = "parallel",
) -> torch.Tensor:
    """y_t = C_t h_t + D u_t with h_t = exp(delta_t A) h_{t-1} + delta_t B_t u_t.

    u, delta: (B,L,ED); A: (ED,N); B, C: (B,L,N); D: (ED,). `scan` is one of SCANS: `parallel`
    materialises (B,L,ED,N), `chunked` (B,ED,N,chunk), `compiled` and `recurrent` only h.
    """
    du = delta * u
    if scan == "parallel":
        states = pscan(torch.exp(delta.unsqueeze(-1) * A), du.unsqueeze(-1) * B.unsqueeze(2))
        return (states @ C.unsqueeze(-1)).squeeze(-1) + D * u
    if scan == "compiled":
        return compiled_scan(du, delta, A, B, C) + D * u
    if scan == "chunked":
        chunk = _safe_chunk(delta, A)
        if chunk > 1:
            return _chunked_scan(du, delta, A, B, C, chunk) + D * u
    elif scan != "recurrent":
        raise ValueError(f"unknown scan {scan!r}; expected one of {SCANS}")
    h = u.new_zeros(u.shape[0], u.shape[2], A.shape[1])
    ys = []
    for t in range(u.shape[1]):
        h = torch.exp(delta[:, t, :, None] * A) * h + du[:, t, :, None] * B[:, t, None, :]
        ys.append((h @ C[:, t, :, None]).squeeze(-1))
    return torch.stack(ys, dim=1) + D * u


def _safe_chunk(delta: torch.Tensor, A: torch.Tensor, max_chunk: int = 32, max_log_decay: float = 40.0) -> int:
    """The longest chunk (<= max_chunk) over which |S| = |sum delta A| stays below max_log_decay."""
    steepest = float(delta.detach().max()) * float(-A.detach().min()) if delta.numel() else 0.0
    return max(1, min(max_chunk, int(max_log_decay / steepest))) if steepest > 0 else max_chunk


def _chunked_scan(
    du: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor, chunk: int
) -> torch.Tensor:
    """C_t h_t by chunks of `chunk` steps (from _safe_chunk, so e^{-S} cannot overflow).

    A is constant in time, so S = A * cumsum(delta) needs a cumsum over (B,ED,k) only. Time is the
    last axis inside a chunk, (B,ED,N,k): CPU cumsum is ~10x faster there than on dim 1.
    """
    du, delta, B, C = (t.transpose(1, 2) for t in (du, delta, B, C))  # (B,ED,L), (B,N,L)
    A = A.unsqueeze(-1)  # (ED,N,1)
    h = du.new_zeros(du.shape[0], du.shape[1], A.shape[1], 1)
    ys = []
    for start in range(0, du.shape[-1], chunk):
        window = slice(start, start + chunk)
        decay = (torch.cumsum(delta[:, :, None, window], dim=-1) * A).exp_()  # e^{S_t}, S = A cumsum(delta)
        inputs = du[:, :, None, window] * B[:, None, :, window]
        states = torch.cumsum(inputs.div_(decay), dim=-1).add_(h).mul_(decay)
        h = states[..., -1:].clone()
        ys.append(states.mul_(C[:, None, :, window]).sum(dim=2))  # (B,ED,k)
    return torch.cat(ys, dim=-1).transpose(1, 2)


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
        u, z = self.in_proj(x).chunk(2, dim=-1)
        u = F.silu(self._causal_conv(u))
        dt, B, C = self.x_proj(u).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log.float())
        y = selective_scan(u, delta, A, B, C, self.D.float(), scan=backend)
        return self.out_proj(y * F.silu(z))

    def _causal_conv(self, u: torch.Tensor) -> torch.Tensor:
        """The depthwise causal conv1d on (B,L,ED) as d_conv shifted multiply-adds (CPU's conv1d is slow here)."""
        taps = self.conv1d.weight.shape[-1]
        padded = F.pad(u, (0, 0, taps - 1, 0))
        out = torch.addcmul(self.conv1d.bias, padded[:, : u.shape[1]], self.conv1d.weight[:, 0, 0])
        for k in range(1, taps):
            out = out.addcmul_(padded[:, k : k + u.shape[1]], self.conv1d.weight[:, 0, k])
        return out

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


def bidirectional_mamba(forward: Mamba, backward: Mamba, x: torch.Tensor, fused: bool = True) -> torch.Tensor:
    """forward(x) + backward(x reversed in time) reversed back; fused when both run the compiled scan."""
    if fused and _can_fuse(forward, backward, x):
        return _fused_bidirectional(packed_bidirectional(forward, backward), x)
    return forward(x) + backward(x.flip(1)).flip(1)


def _can_fuse(forward: Mamba, backward: Mamba, x: torch.Tensor) -> bool:
    """Sampling on CPU (no gradients, float32) with the compiled scan in both mixers."""
    return (
        not torch.is_grad_enabled() and x.dtype == torch.float32
        and all(resolve_backend(m.backend, x.device) == "compiled" for m in (forward, backward))
    )


@dataclass(frozen=True)
class PackedBiMamba:
    """A BiMamba's two mixers' parameters laid out for the fused path: direction-stacked, transposed
    to the kernels' layouts, A as A log2(e)."""

    in_weight: torch.Tensor  # (4ED, d): forward's in_proj rows, then backward's
    conv_weight: torch.Tensor  # (2, d_conv, ED)
    conv_bias: torch.Tensor  # (2, ED)
    x_weight: torch.Tensor  # (2, ED, R+2N)
    dt_weight: torch.Tensor  # (2, R, ED)
    dt_bias: torch.Tensor  # (2, ED)
    A2: torch.Tensor  # (2, N, ED)
    D: torch.Tensor  # (2, ED)
    out_weight: torch.Tensor  # (d, 2ED): forward's out_proj columns, then backward's


def pack_bidirectional(forward: Mamba, backward: Mamba) -> PackedBiMamba:
    """The fused path's weights of a (forward, backward) pair, computed from their parameters."""
    with torch.no_grad():
        def stacked(name: str) -> torch.Tensor:
            return torch.stack([forward.get_parameter(name), backward.get_parameter(name)]).float()

        return PackedBiMamba(
            in_weight=torch.cat([forward.in_proj.weight, backward.in_proj.weight]).float(),
            conv_weight=stacked("conv1d.weight")[:, :, 0].transpose(1, 2).contiguous(),
            conv_bias=stacked("conv1d.bias"),
            x_weight=stacked("x_proj.weight").transpose(1, 2),
            dt_weight=stacked("dt_proj.weight").transpose(1, 2),
            dt_bias=stacked("dt_proj.bias"),
            A2=(-torch.exp(stacked("A_log")) * math.log2(math.e)).transpose(1, 2).contiguous(),
            D=stacked("D"),
            out_weight=torch.cat([forward.out_proj.weight, backward.out_proj.weight], dim=1).float(),
        )


_PACKED: weakref.WeakKeyDictionary[Mamba, tuple[tuple, PackedBiMamba]] = weakref.WeakKeyDictionary()


def packed_bidirectional(forward: Mamba, backward: Mamba) -> PackedBiMamba:
    """pack_bidirectional, cached per pair until a parameter is replaced or changed in place (its
    storage or autograd version counter moves: optimiser steps, load_state_dict, copy_, .to(); writes
    through `.data` bypass the counter and are not seen)."""
    params = [*forward.parameters(), *backward.parameters()]
    try:
        key = (id(backward), *((p.data_ptr(), p._version) for p in params))
    except RuntimeError:  # inference-mode tensors have no version counter: nothing to key a cache on
        return pack_bidirectional(forward, backward)
    cached = _PACKED.get(forward)
    if cached is None or cached[0] != key:
        cached = key, pack_bidirectional(forward, backward)
        _PACKED[forward] = cached
    return cached[1]


def _fused_bidirectional(packed: PackedBiMamba, x: torch.Tensor) -> torch.Tensor:
    """Both directions batched: in_proj and out_proj as single matmuls, x_proj and dt_proj as bmm,
    and the conv and scan (with dt_proj's bias and softplus) as one numba call each that walks
    direction 1 backwards in time."""
    batch, length, _ = x.shape
    channels, rank = packed.D.shape[1], packed.dt_weight.shape[1]
    xz = F.linear(x, packed.in_weight).view(batch, length, 2, 2 * channels)
    u = bidirectional_conv_silu(xz, packed.conv_weight, packed.conv_bias)
    bc = torch.bmm(u.view(2, batch * length, channels), packed.x_weight)
    dt = torch.bmm(bc[..., :rank], packed.dt_weight)
    y = bidirectional_scan(u, dt.view_as(u), packed.dt_bias, bc.view(2, batch, length, -1), xz, packed.A2, packed.D)
    return F.linear(y.view(batch, length, 2 * channels), packed.out_weight)
