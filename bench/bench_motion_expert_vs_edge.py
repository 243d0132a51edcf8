"""Generation speed of the Motion Expert vs EDGE at equal width, depth, T and DDIM steps (spec
motion_metrics.md section 11): one whole sampling call per run (music encoding + all steps),
2 warm-ups, median of 5, batch 1. The Motion Expert samples the T frames in one pass with GFT (one
forward per step); EDGE samples 50%-overlapping windows as one batch with CFG (two forwards per step)
and stitches them. Random weights: speed does not depend on training.

    python bench/bench_motion_expert_vs_edge.py [--width 256 --layers 4 --frames 1024 --steps 50]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

import torch

from benchmark.methods.speed import median_seconds
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


def generator(kind: str, config: object, guidance: str, steps: int, device: str) -> DanceGenerator:
    meta = CheckpointMeta(kind=kind, model=config.to_dict(), guidance=asdict(GUIDANCE_PRESETS[guidance]))  # type: ignore[attr-defined]
    torch.manual_seed(0)
    model = build_model(meta).to(device).eval()
    normalizer = MinMaxNormalizer(-torch.ones(151), torch.ones(151)).to(device)
    return DanceGenerator(LoadedModel(meta, model, normalizer, ""), MODEL_KINDS[meta.kind], sampling_steps=steps)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--layers", type=int, default=4, help="dance/decoder layers (music encoder: 2 for both)")
    p.add_argument("--frames", type=int, default=1024)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--edge-window", type=int, default=150)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--precision", choices=("float32", "tf32", "bfloat16"), default="float32",
                   help="matmul precision for both models: tf32 tensor cores, or bfloat16 autocast (GPU)")
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
    shared = {"width": args.width, "ff_width": 2 * args.width, "heads": 8, "dance_layers": args.layers, "music_layers": 2}
    runs = {
        "motion_expert": generator("motion_expert", MotionExpertConfig(**shared), "gft-paper", args.steps, args.device),
        "edge": generator("edge", EdgeConfig(**shared, window=args.edge_window), "cfg", args.steps, args.device),
    }
    music = torch.randn(1, args.frames, 35, generator=torch.Generator().manual_seed(0)).to(args.device)
    genre = torch.zeros(1, dtype=torch.long, device=args.device)
    with torch.no_grad():
        backend = resolve_backend("auto", torch.device(args.device))
    print(f"device {args.device}, threads {torch.get_num_threads()}, width {args.width}, layers {args.layers}+2, "
          f"T={args.frames}, {args.steps} DDIM steps, batch 1, {args.precision}; Mamba scan: {backend}; "
          f"EDGE: {window_count(args.frames, args.edge_window)} windows of {args.edge_window} x 2 (CFG)")
    fps = {}
    runs["motion_expert_eager"] = runs["motion_expert"]  # the same model with its two Mamba calls per block (baseline)
    for name, gen in runs.items():

        def run(gen: DanceGenerator = gen, fused: bool = name != "motion_expert_eager") -> None:
            BiMamba.fused = fused
            with torch.autocast(torch.device(args.device).type, torch.bfloat16, enabled=args.precision == "bfloat16"):
                gen.sample_batch(music, genre, torch.Generator(args.device).manual_seed(0))

        seconds = median_seconds(run, args.warmup, args.repeats, args.device)
        fps[name] = args.frames / seconds
        params = sum(q.numel() for q in gen.loaded.model.parameters()) / 1e6
        print(f"{name:14s} {params:6.2f}M params  {fps[name]:8.1f} FPS  ({seconds:.2f} s per sequence)")
    BiMamba.fused = True
    print(f"ratio Motion Expert / EDGE: {fps['motion_expert'] / fps['edge']:.2f}x (target >= 1.8x, issue 18); "
          f"fused / eager Mamba calls: {fps['motion_expert'] / fps['motion_expert_eager']:.2f}x")


if __name__ == "__main__":
    main()
