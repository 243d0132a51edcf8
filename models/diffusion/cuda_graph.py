"""One DDIM step replayed as a CUDA graph: at batch 1 a step is hundreds of small kernels, so on a GPU the
launch and Python time, not the arithmetic, sets the speed; a captured step replays them in one call.

The graph lives for one sampling call: the denoiser closes over that call's encoded music, and every
tensor the graph reads (music memory, autocast's cast weights) stays alive until the call returns. The
first step runs eagerly on a side stream (cuBLAS and allocator warm-up, as capture requires), the second
is captured and replayed, later steps copy (x, t) into the captured inputs and replay. The same kernels
run in the same order as eagerly, so the sampled motion matches the eager path (checked on a GPU:
tests/models/diffusion/test_cuda_graph.py, bench/device_check.py).
"""

from __future__ import annotations

import torch

from models.diffusion.schedule import Denoiser


class CudaGraphDenoiser:
    """A Denoiser whose steps after the first replay one captured CUDA graph; (x, t) must keep their shapes."""

    def __init__(self, denoise: Denoiser) -> None:
        self.denoise = denoise
        self.warmed = False
        self.graph: torch.cuda.CUDAGraph | None = None
        self.inputs: tuple[torch.Tensor, torch.Tensor] | None = None
        self.output: torch.Tensor | None = None

    def __call__(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cuda":
            raise ValueError(f"CUDA graphs need CUDA tensors, got device {x.device}")
        if not self.warmed:
            return self._warm_up(x, t)
        if self.graph is None:
            self._capture(x, t)
        static_x, static_t = self.inputs  # type: ignore[misc]
        if x.shape != static_x.shape or t.shape != static_t.shape:
            raise ValueError(f"a captured step takes x {tuple(static_x.shape)}, t {tuple(static_t.shape)}; "
                             f"got {tuple(x.shape)}, {tuple(t.shape)}")
        static_x.copy_(x)
        static_t.copy_(t)
        self.graph.replay()  # type: ignore[union-attr]
        return self.output.clone()  # type: ignore[union-attr]  (the next replay overwrites it)

    def _warm_up(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The first step, eagerly on a side stream: lazy initialisation must not happen during capture."""
        side = torch.cuda.Stream(device=x.device)
        side.wait_stream(torch.cuda.current_stream(x.device))
        with torch.cuda.stream(side):
            out = self.denoise(x, t)
        torch.cuda.current_stream(x.device).wait_stream(side)
        self.warmed = True
        return out

    def _capture(self, x: torch.Tensor, t: torch.Tensor) -> None:
        """Record one step on static copies of (x, t); nothing runs until the first replay."""
        self.inputs = x.clone(), t.clone()
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                self.output = self.denoise(*self.inputs)
        except RuntimeError as error:
            raise RuntimeError(
                f"CUDA graph capture of a sampling step failed ({str(error).splitlines()[0]}): a step must not wait "
                "on the host (e.g. the Mamba `chunked` backend reads a value back; install mamba_ssm for the `cuda` one)"
            ) from error
        self.graph = graph
