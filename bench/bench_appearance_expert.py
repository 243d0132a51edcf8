"""Appearance Expert speed and memory: seconds per relay segment and peak memory, flat in the segment count.

    python bench/bench_appearance_expert.py                 # tiny model on the CPU: 3 / 12 / 48 segments
    python bench/bench_appearance_expert.py --real          # GPU: real-size 14B transformer, random bf16 weights,
                                                            # 480p and 720p, 77 frames, 20 steps + train-step memory

Tiny: each segment count runs in a fresh process (peak RSS is per process); the segment time is the median
over segments. Real: the transformer's 20 denoising steps on one 77-frame segment's latents (the part that
dominates a segment; the VAE and encoders are excluded), then one kinematic and one aesthetic (LoRA r32)
training step's peak memory with gradient checkpointing. There is no published speed to compare against.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import torch

from models.appearance_expert.config import LORA_TARGET, REAL, TINY, ModelConfig


def tiny_run(segments: int) -> dict:
    """Render `segments` tiny relay segments; seconds per segment and this process's peak RSS."""
    from models.appearance_expert.pipeline import build_tiny_pipeline
    from models.appearance_expert.relay import RelayRenderer

    pipe = build_tiny_pipeline(TINY)
    pipe.set_progress_bar_config(disable=True)
    render = TINY.render
    frames = 1 + segments * (render.segment_frames - render.prev_frames)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (render.height, render.width, 3), dtype=np.uint8)
    pose = rng.integers(0, 256, (frames, render.height, render.width, 3), dtype=np.uint8)
    face = np.zeros((TINY.motion_encoder_size, TINY.motion_encoder_size, 3), np.uint8)
    stamps: list[float] = []
    relay = RelayRenderer(pipe, render)
    start = time.perf_counter()
    count = sum(1 for _ in relay.frames(image, pose.__getitem__, lambda i: face, frames,
                                       on_segment=lambda r: stamps.append(time.perf_counter()), progress=False))
    per_segment = np.diff([start, *stamps])
    return {"segments": len(stamps), "frames": count, "seconds_per_segment": float(np.median(per_segment)),
            "fps": count / (stamps[-1] - start), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def segment_forward(config: ModelConfig, height: int, width: int, frames: int, device: str,
                    dtype: torch.dtype) -> tuple[torch.nn.Module, Callable[[], torch.Tensor]]:
    """`config`'s transformer (random weights) and one denoising forward on random inputs shaped as one segment
    at height x width; input widths come from the model's own config, so the tiny preset runs the same path."""
    from models.appearance_expert.pipeline import build_transformer

    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # built in `dtype`: the 14B model never exists in float32 (69 GB)
    try:
        with torch.device(device):
            model = build_transformer(config).to(dtype).eval()
    finally:
        torch.set_default_dtype(previous)
    arch = model.config
    latent_frames, h, w = (frames - 1) // 4 + 1, height // 8, width // 8
    size = arch.motion_encoder_size

    def noise(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, device=device, dtype=dtype)

    hidden, text = noise(1, arch.in_channels, latent_frames + 1, h, w), noise(1, 512, arch.text_dim)
    image, pose = noise(1, 257, arch.image_dim), noise(1, arch.latent_channels, latent_frames, h, w)
    face, timestep = noise(1, 3, frames, size, size), torch.tensor([500], device=device)

    def forward() -> torch.Tensor:
        return model(hidden_states=hidden, timestep=timestep, encoder_hidden_states=text,
                     encoder_hidden_states_image=image, pose_hidden_states=pose, face_pixel_values=face,
                     return_dict=False)[0]

    return model, forward


def train_step_peaks(model: torch.nn.Module, forward: Callable[[], torch.Tensor]) -> dict:
    """Peak GPU memory (GiB) of one kinematic and one aesthetic (LoRA r32) training step, gradient checkpointing on."""
    from peft import LoraConfig

    model.enable_gradient_checkpointing()
    model.train()
    result = {}
    for stage in ("kinematic", "aesthetic"):
        model.requires_grad_(False)
        if stage == "kinematic":
            model.pose_patch_embedding.requires_grad_(True)
        else:
            model.add_adapter(LoraConfig(r=32, lora_alpha=32, target_modules=LORA_TARGET))
        torch.cuda.reset_peak_memory_stats()
        forward().float().pow(2).mean().backward()
        torch.cuda.synchronize()
        result[f"{stage}_step_peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
        model.zero_grad(set_to_none=True)
    return result


def real_run(height: int, width: int, frames: int, steps: int) -> dict:
    """The real-size transformer (random bf16) on one segment: seconds per segment, FPS, peak GPU memory."""
    model, forward = segment_forward(REAL, height, width, frames, "cuda", torch.bfloat16)
    with torch.no_grad():
        forward()
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(steps):
            forward()
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"size": f"{width}x{height}", "frames": frames, "steps": steps, "seconds_per_segment": seconds,
            "fps": frames / seconds, "peak_gib": torch.cuda.max_memory_allocated() / 2**30} | train_step_peaks(model, forward)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", action="store_true", help="real-size transformer on a GPU (random bf16 weights)")
    parser.add_argument("--segments", type=int, nargs="+", default=[3, 12, 48], help="tiny: segment counts")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(tiny_run(args.child)))
        return
    if args.real:
        for height, width in ((480, 832), (720, 1280)):
            print(json.dumps(real_run(height, width, 77, 20)))
        return
    print("tiny Wan-Animate on the CPU, 16x16, segments of 9 frames, 2 steps (fresh process per row)")
    print(f"{'segments':>8} {'frames':>7} {'s/segment':>10} {'FPS':>7} {'peak RSS MiB':>13}")
    rows = []
    for segments in args.segments:
        out = subprocess.run([sys.executable, __file__, "--child", str(segments)], capture_output=True, text=True,
                             check=True)  # fmt: skip
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['segments']:>8} {row['frames']:>7} {row['seconds_per_segment']:>10.3f} {row['fps']:>7.1f} "
              f"{row['peak_rss_mib']:>13.0f}")
    growth = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
    print(f"peak memory x{growth:.2f} for x{rows[-1]['segments'] / rows[0]['segments']:.0f} segments (flat = 1.00)")


if __name__ == "__main__":
    main()
