"""Generation speed as the literature reports it (spec motion_metrics.md section 11).

FPS = batch * frames / wall time of one whole sampling call, after warm-ups, median of repeats,
synchronised when on CUDA; latency at batch 1 and throughput at a fixed batch are both reported.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

import torch


@dataclass(frozen=True)
class SpeedReport:
    latency_fps: float
    latency_frames: int
    throughput_fps: float
    throughput_batch: int
    device: str
    dtype: str
    backend: str
    repeats: int

    def as_timing(self) -> dict:
        return dict(self.__dict__)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def median_seconds(call: Callable[[], object], warmup: int = 2, repeats: int = 5, device: str = "cpu") -> float:
    """Median wall time of `call` over `repeats` runs after `warmup` untimed runs."""
    if warmup < 0 or repeats < 1:
        raise ValueError(f"need warmup >= 0 and repeats >= 1, got {warmup}, {repeats}")
    for _ in range(warmup):
        call()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_generation_fps(
    generate: Callable[[int, int], object],
    frames: int = 1024,
    throughput_batch: int = 8,
    warmup: int = 2,
    repeats: int = 5,
    device: str = "cpu",
    dtype: str = "float32",
    backend: str = "",
) -> SpeedReport:
    """Time `generate(batch, frames)` (one full sampling call) at batch 1 and at a fixed batch."""
    latency = median_seconds(lambda: generate(1, frames), warmup, repeats, device)
    throughput = median_seconds(lambda: generate(throughput_batch, frames), warmup, repeats, device)
    return SpeedReport(
        latency_fps=frames / latency,
        latency_frames=frames,
        throughput_fps=throughput_batch * frames / throughput,
        throughput_batch=throughput_batch,
        device=device,
        dtype=dtype,
        backend=backend,
        repeats=repeats,
    )
