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

import numpy as np


def tiny_run(segments: int) -> dict:
    """Render `segments` tiny relay segments; seconds per segment and this process's peak RSS."""
    from models.appearance_expert.config import TINY
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


def real_run(height: int, width: int, frames: int, steps: int) -> dict:
    """The real-size transformer (random bf16) on one segment: seconds per segment, FPS, peak GPU memory."""
    import torch
    from peft import LoraConfig

    from models.appearance_expert.config import LORA_TARGET, REAL
    from models.appearance_expert.pipeline import build_transformer

    device = "cuda"
    with torch.device(device):
        model = build_transformer(REAL).to(torch.bfloat16).eval()
    latent_frames, h, w = (frames - 1) // 4 + 1, height // 8, width // 8
    hidden = torch.randn(1, 36, latent_frames + 1, h, w, device=device, dtype=torch.bfloat16)
    text = torch.randn(1, 512, 4096, device=device, dtype=torch.bfloat16)
    image = torch.randn(1, 257, 1280, device=device, dtype=torch.bfloat16)
    pose = torch.randn(1, 16, latent_frames, h, w, device=device, dtype=torch.bfloat16)
    face = torch.randn(1, 3, frames, 512, 512, device=device, dtype=torch.bfloat16)

    def forward() -> torch.Tensor:
        return model(hidden_states=hidden, timestep=torch.tensor([500], device=device), encoder_hidden_states=text,
                     encoder_hidden_states_image=image, pose_hidden_states=pose, face_pixel_values=face,
                     return_dict=False)[0]

    with torch.no_grad():
        forward()
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(steps):
            forward()
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    result = {"size": f"{width}x{height}", "frames": frames, "steps": steps, "seconds_per_segment": seconds,
              "fps": frames / seconds, "peak_gib": torch.cuda.max_memory_allocated() / 2**30}
    model.enable_gradient_checkpointing()
    model.train()
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
