"""Generation speed of the Motion Expert vs EDGE at equal width, depth, T and DDIM steps (spec
motion_metrics.md section 11): one whole sampling call per run (music encoding + all steps),
2 warm-ups, then the repeats taken in turn across the models (so drift on a shared machine hits
them alike), median, batch 1. The Motion Expert samples the T frames in one pass with GFT (one
forward per step); EDGE samples 50%-overlapping windows as one batch with CFG (two forwards per step)
and stitches them. Random weights: speed does not depend on training. `motion_expert_eager` is the
same model with its two separate Mamba calls per block (the reference the fused CPU path is tested
against). Sizes: `default` (width 256, 4+2 layers) and `paper` (MotionExpertConfig.preset("paper"):
width 512, FFN 1024, 8 heads, 8+2 layers); --width/--layers give one custom size instead. On a GPU,
--cuda-graphs adds `motion_expert_graphed`: the same weights, each step after the first replayed as a
CUDA graph (models.diffusion.cuda_graph), and the largest difference of its motion from the eager one.

    python bench/bench_motion_expert_vs_edge.py [--size default|paper|both] [--frames 1024 --steps 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict

import torch

from models.diffusion.checkpoint import CheckpointMeta, LoadedModel
from models.diffusion.generation import DanceGenerator
from models.diffusion.guidance import GUIDANCE_PRESETS
from models.diffusion.normalizer import MinMaxNormalizer
from models.edge import EdgeConfig
from models.edge.longform import window_count
from models.mamba import resolve_backend
from models.motion_expert import MotionExpertConfig
from models.motion_expert.model import BiMamba
from models.registry import MODEL_KINDS, build_model

TARGET = 1.8  # issue 18: Motion Expert / EDGE generation speed on CPU
_PAPER = MotionExpertConfig.preset("paper")
SIZES = {"default": (256, 4), "paper": (_PAPER.width, _PAPER.dance_layers)}


def generator(kind: str, config: object, guidance: str, steps: int, device: str) -> DanceGenerator:
    meta = CheckpointMeta(kind=kind, model=config.to_dict(), guidance=asdict(GUIDANCE_PRESETS[guidance]))  # type: ignore[attr-defined]
    torch.manual_seed(0)
    model = build_model(meta).to(device).eval()
    normalizer = MinMaxNormalizer(-torch.ones(151), torch.ones(151)).to(device)
    return DanceGenerator(LoadedModel(meta, model, normalizer, ""), MODEL_KINDS[meta.kind], sampling_steps=steps)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def interleaved_medians(calls: dict[str, Callable[[], None]], warmup: int, repeats: int, device: str) -> dict[str, float]:
    """Median seconds of each call: `warmup` untimed rounds, then `repeats` rounds of one call each in turn."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(warmup + repeats):
        for name, call in calls.items():
            _sync(device)
            start = time.perf_counter()
            call()
            _sync(device)
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench_size(width: int, layers: int, args: argparse.Namespace) -> float:
    """Print one size's figures; returns the fused Motion Expert / EDGE ratio."""
    shared = {"width": width, "ff_width": 2 * width, "heads": 8, "dance_layers": layers, "music_layers": 2}
    motion_expert = generator("motion_expert", MotionExpertConfig(**shared), "gft-paper", args.steps, args.device)
    models = {
        "motion_expert": (motion_expert, True),
        "motion_expert_eager": (motion_expert, False),  # the same weights, two Mamba calls per block
        "edge": (generator("edge", EdgeConfig(**shared, window=args.edge_window), "cfg", args.steps, args.device), True),
    }
    if args.cuda_graphs:
        graphed = DanceGenerator(motion_expert.loaded, MODEL_KINDS["motion_expert"], args.steps, cuda_graphs=True)
        models["motion_expert_graphed"] = (graphed, True)
    music = torch.randn(1, args.frames, 35, generator=torch.Generator().manual_seed(0)).to(args.device)
    genre = torch.zeros(1, dtype=torch.long, device=args.device)

    def sample(gen: DanceGenerator, fused: bool) -> torch.Tensor:
        BiMamba.fused = fused
        with torch.autocast(torch.device(args.device).type, torch.bfloat16, enabled=args.precision == "bfloat16"):
            return gen.sample_batch(music, genre, torch.Generator(args.device).manual_seed(0))

    def call(gen: DanceGenerator, fused: bool) -> Callable[[], None]:
        def run() -> None:
            sample(gen, fused)

        return run

    print(f"\n== width {width}, {layers}+2 layers, FFN {2 * width}, 8 heads, T={args.frames}, {args.steps} DDIM steps, "
          f"batch 1; EDGE: {window_count(args.frames, args.edge_window)} windows of {args.edge_window} x 2 (CFG)")
    try:
        seconds = interleaved_medians({name: call(*m) for name, m in models.items()}, args.warmup, args.repeats, args.device)
    finally:
        BiMamba.fused = True
    fps = {name: args.frames / s for name, s in seconds.items()}
    for name, (gen, _) in models.items():
        params = sum(q.numel() for q in gen.loaded.model.parameters()) / 1e6
        print(f"{name:20s} {params:6.2f}M params  {fps[name]:8.1f} FPS  (median {seconds[name]:.2f} s per sequence)")
    if args.cuda_graphs:
        difference = (sample(*models["motion_expert_graphed"]) - sample(motion_expert, True)).abs().max().item()
        print(f"CUDA graphs: {fps['motion_expert_graphed'] / fps['motion_expert']:.2f}x the eager Motion Expert, "
              f"{fps['motion_expert_graphed'] / fps['edge']:.2f}x EDGE; motion max |graphed - eager| {difference:.2e}")
    ratio = fps["motion_expert"] / fps["edge"]
    print(f"ratio Motion Expert / EDGE: {ratio:.2f}x ({ratio / TARGET:.2f} of the target {TARGET}x, issue 18: "
          f"{'met' if ratio >= TARGET else 'NOT met'}); eager Mamba calls / EDGE: {fps['motion_expert_eager'] / fps['edge']:.2f}x")
    return ratio


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("default", "paper", "both"), default="default")
    p.add_argument("--width", type=int, help="a custom size instead of --size (with --layers)")
    p.add_argument("--layers", type=int, help="dance/decoder layers of the custom size (music encoder: 2 for both)")
    p.add_argument("--frames", type=int, default=1024)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--edge-window", type=int, default=150)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--precision", choices=("float32", "tf32", "bfloat16"), default="float32",
                   help="matmul precision for both models: tf32 tensor cores, or bfloat16 autocast (GPU)")
    p.add_argument("--cuda-graphs", action="store_true", help="also time the Motion Expert with CUDA-graph steps (GPU)")
    args = p.parse_args()
    if args.cuda_graphs and not args.device.startswith("cuda"):
        p.error("--cuda-graphs needs --device cuda")
    torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
    if args.width is not None or args.layers is not None:
        sizes = {"custom": (args.width or SIZES["default"][0], args.layers or SIZES["default"][1])}
    else:
        sizes = {name: SIZES[name] for name in (SIZES if args.size == "both" else [args.size])}
    with torch.no_grad():
        backend = resolve_backend("auto", torch.device(args.device))
    print(f"device {args.device}, threads {torch.get_num_threads()}, {args.precision}; Mamba scan: {backend}; "
          f"{args.warmup} untimed warm-up rounds (numba's compilation, cached on disk after the first process, "
          f"happens there), {args.repeats} timed rounds, models in turn")
    ratios = {name: bench_size(width, layers, args) for name, (width, layers) in sizes.items()}
    if len(ratios) > 1:
        print("\n" + ", ".join(f"{name}: {r:.2f}x" for name, r in ratios.items()) + f" (target >= {TARGET}x at every size)")


if __name__ == "__main__":
    main()
