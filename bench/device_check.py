"""Device check: issue 18's GPU benches in one command, each figure beside its target, in one JSON.

    python bench/device_check.py --out device_check.json [--budget-s 480]   # a CUDA machine, < 8 min on one H100
    python bench/device_check.py --out smoke.json --cpu-smoke               # tiny sizes on the CPU: the wiring only

Sections, in order:
- motion_expert_float32 / motion_expert_bfloat16: one batch-1 sampling call of the Motion Expert at the `paper`
  size (T=1024, 50 DDIM steps, GFT), bfloat16 as autocast (bench_motion_expert_vs_edge.generator), 2 warm-ups,
  median of 5, eagerly and with CUDA-graph steps (the headline; the eager figure and the largest difference
  between the two paths' motions beside it); targets >= 1,540 and >= 2,500 FPS.
- appearance_float32 / appearance_half: one 5 s, 16 fps clip scored by the six VBench dimensions and the
  keypoint network, each backbone at the reference's input resolution for a 1280x720 video
  (bench_appearance.measure_backbone, random weights, real size), half as float16 autocast (float32 in the CPU
  smoke run, where half-precision convolutions are emulated and take seconds a frame); the sum of the backbone
  medians projected to the ma_video@mace test set (200 clips, backbones loaded once); target <= 600 s.
- appearance_precision: how far half precision moves each VBench dimension from float32 on the same real clip
  (bench_appearance_precision: real-size backbones, random weights; float16, bfloat16 and VBench's reference
  precision on CUDA), the largest per-frame difference per dimension; issue 18 asks for the figure, no target.
- appearance_expert: the real-size Wan-Animate transformer (random bfloat16 weights) on one 480p 77-frame
  segment (bench_appearance_expert.segment_forward), the median denoising step times the 20 steps; issue 18
  sets no target.
- lodge_fk_platform: issue 17 on the host's CPU, not the GPU: LODGE's float32 FK and FID_k against the golden caseF
  under every ATen kernel set the CPU runs (bench/lodge_fk_platform.py; the smoke run measures its own process's
  set only); target FID_k within 1e-5 under some kernel set.
Each section records median seconds, FPS, device, torch version, dtype, its target and pass/fail; a failing
section records its one-line error and the next one runs; the JSON is rewritten atomically after every section
(a killed run keeps what it measured); once --budget-s has passed, the remaining sections are recorded as skipped.
Without CUDA the script says so and exits 2, unless --cpu-smoke (every section at tiny sizes, seconds).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_appearance import BACKBONES, VIDEO_SIZE, measure_backbone  # noqa: E402
from bench_appearance_expert import segment_forward  # noqa: E402
from bench_appearance_precision import footage, scored, variants  # noqa: E402
from bench_motion_expert_vs_edge import generator  # noqa: E402
from lodge_fk_platform import cpu_description, measure, measure_in_subprocess  # noqa: E402
from benchmark.metrics.appearance import APPEARANCE_METRICS  # noqa: E402
from benchmark.methods.speed import median_seconds  # noqa: E402
from benchmark.protocols.ma_video import MA_VIDEO_MACE  # noqa: E402
from manifests.ma_video_test_set import STANDIN_SOURCE  # noqa: E402
from models.appearance_expert.config import REAL, TINY, ModelConfig  # noqa: E402
from models.files import atomic_write_text  # noqa: E402
from models.diffusion.generation import DanceGenerator  # noqa: E402
from models.mamba import resolve_backend  # noqa: E402
from models.motion_expert import MotionExpertConfig  # noqa: E402
from models.registry import MODEL_KINDS  # noqa: E402
from models.vision.amt import AMTConfig  # noqa: E402
from models.vision.clip import ClipVisionConfig  # noqa: E402
from models.vision.dino import DinoConfig  # noqa: E402
from models.vision.musiq import MusiqConfig  # noqa: E402

log = logging.getLogger("device_check")
TEST_SET_FRAMES = int(MA_VIDEO_MACE.clip_seconds * MA_VIDEO_MACE.fps)  # frames of one test clip
TARGETS: dict[str, dict[str, float] | None] = {  # issue 18
    "motion_expert_float32": {"fps_min": 1540.0},
    "motion_expert_bfloat16": {"fps_min": 2500.0},
    "appearance_float32": {"projected_s_max": 600.0},
    "appearance_half": {"projected_s_max": 600.0},
    "appearance_precision": None,
    "appearance_expert": None,
    "lodge_fk_platform": {"fid_k_rel_error_max": 1e-5},  # issue 17
}


@dataclass(frozen=True)
class Sizes:
    """What the sections run: paper / real sizes on the GPU, tiny ones for the CPU smoke run."""

    device: str
    motion_preset: str = "paper"
    motion_frames: int = 1024
    motion_steps: int = 50
    warmup: int = 2
    repeats: int = 5
    video_size: tuple[int, int] = VIDEO_SIZE  # (H, W) the backbones' reference inputs are derived from
    clip_frames: int = TEST_SET_FRAMES
    appearance_repeats: int = 3
    half: torch.dtype = torch.float16
    appearance_configs: dict[str, Any] = field(default_factory=dict)  # backbone -> architecture; empty: real size
    expert: ModelConfig = REAL
    expert_segment: tuple[int, int, int] = (480, 832, 77)  # height, width, frames
    expert_dtype: torch.dtype = torch.bfloat16
    precision_frames: int = 16  # appearance_precision: one clip of this many frames
    precision_dimensions: tuple[str, ...] = tuple(APPEARANCE_METRICS)
    every_kernel_set: bool = True  # lodge_fk_platform: each ATen CPU kernel set in its own process


def smoke_sizes() -> Sizes:
    """Every section at a size the CPU runs in seconds (AMT-S needs 128 px per side; the numba scan compiles
    during the first two calls)."""
    return Sizes(
        device="cpu", motion_preset="cpu_small", motion_frames=32, motion_steps=2, warmup=2, repeats=1,
        video_size=(128, 128), clip_frames=4, appearance_repeats=1, half=torch.float32,
        appearance_configs={
            "imaging_quality": MusiqConfig.preset("tiny"), "motion_smoothness": AMTConfig.preset("tiny"),
            "aesthetic_quality": ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=768),
            "background_consistency": ClipVisionConfig(width=64, layers=1, patch=32),
            "subject_consistency": DinoConfig(width=64, depth=1, heads=1), "keypoints": (32, 1, 1),
        },
        expert=TINY, expert_segment=(TINY.render.height, TINY.render.width, TINY.render.segment_frames),
        expert_dtype=torch.float32, precision_frames=3, precision_dimensions=("background_consistency",),
        every_kernel_set=False,
    )  # fmt: skip


def autocast(device: str, dtype: torch.dtype) -> AbstractContextManager:
    """Autocast to `dtype` on `device` (off for float32)."""
    return torch.autocast(torch.device(device).type, dtype, enabled=dtype != torch.float32)


def motion_expert(sizes: Sizes, dtype: torch.dtype) -> dict[str, Any]:
    """Median seconds and FPS of one batch-1 Motion Expert sampling call (GFT, all T frames in one pass); on
    CUDA also with CUDA-graph steps (the headline figure then), its speed-up and its motion's largest
    difference from the eager path's (same weights, same noise)."""
    config = MotionExpertConfig.preset(sizes.motion_preset)
    gen = generator("motion_expert", config, "gft-paper", sizes.motion_steps, sizes.device)
    music = torch.randn(1, sizes.motion_frames, config.music_dim, generator=torch.Generator().manual_seed(0))
    music, genre = music.to(sizes.device), torch.zeros(1, dtype=torch.long, device=sizes.device)

    def sample(chosen: DanceGenerator) -> torch.Tensor:
        with autocast(sizes.device, dtype):
            return chosen.sample_batch(music, genre, torch.Generator(sizes.device).manual_seed(0))

    def fps_of(chosen: DanceGenerator) -> tuple[float, float]:
        seconds = median_seconds(lambda: sample(chosen), sizes.warmup, sizes.repeats, sizes.device)
        return seconds, sizes.motion_frames / seconds

    seconds, fps = fps_of(gen)
    with torch.no_grad():
        backend = resolve_backend("auto", torch.device(sizes.device))
    figures = {"median_s": seconds, "fps": fps, "preset": sizes.motion_preset,
               "frames": sizes.motion_frames, "steps": sizes.motion_steps, "batch": 1, "mamba_backend": backend,
               "params_m": sum(p.numel() for p in gen.loaded.model.parameters()) / 1e6,
               "timing": f"median of {sizes.repeats} after {sizes.warmup} warm-ups", "cuda_graphs": False}  # fmt: skip
    if sizes.device.startswith("cuda"):
        graphed = DanceGenerator(gen.loaded, MODEL_KINDS["motion_expert"], sizes.motion_steps, cuda_graphs=True)
        difference = (sample(graphed).float() - sample(gen).float()).abs().max().item()
        graphed_s, graphed_fps = fps_of(graphed)
        figures.update(median_s=graphed_s, fps=graphed_fps, cuda_graphs=True, eager_median_s=seconds, eager_fps=fps,
                       graph_speedup=graphed_fps / fps, graph_vs_eager_max_abs=difference)
    return figures


def appearance(sizes: Sizes, dtype: torch.dtype) -> dict[str, Any]:
    """Seconds for one test clip by every backbone at its reference input, projected to the whole test set; a
    backbone that fails is recorded with its error, the others' figures kept, and the section fails with it."""
    rows: dict[str, dict[str, Any]] = {}
    for name in BACKBONES:
        try:
            with autocast(sizes.device, dtype):
                rows[name] = measure_backbone(name, sizes.clip_frames, sizes.video_size, sizes.appearance_repeats,
                                              STANDIN_SOURCE, sizes.device, True, sizes.appearance_configs.get(name))
        except Exception as error:  # one backbone's failure must not hide the others' figures
            rows[name] = {"error": one_line(error)}
        release_memory()
    failed = [f"{name}: {row['error']}" for name, row in rows.items() if "error" in row]
    if failed:
        return {"error": failed[0], "backbones": rows}
    seconds = sum(row["median_s"] for row in rows.values())
    fps = sizes.clip_frames / seconds
    return {"median_s": seconds, "fps": fps, "projected_s": MA_VIDEO_MACE.num_clips * TEST_SET_FRAMES / fps,
            "clip_frames": sizes.clip_frames, "video": f"{sizes.video_size[0]}x{sizes.video_size[1]}",
            "clips": MA_VIDEO_MACE.num_clips, "backbones": rows,
            "timing": f"sum of per-backbone medians of {sizes.appearance_repeats}, one clip; loading excluded"}


def appearance_precision(sizes: Sizes) -> dict[str, Any]:
    """Largest |half - float32| per frame, per dimension and half variant, on one real clip (random weights)."""
    clips = footage(STANDIN_SOURCE, 1, sizes.precision_frames, *sizes.video_size)
    rows: dict[str, dict[str, float]] = {}
    for name in sizes.precision_dimensions:
        reference = scored(name, "float32", clips, sizes.device, True)[0]
        rows[name] = {}
        for variant in variants(sizes.device):
            values = scored(name, variant, clips, sizes.device, True)[0]
            rows[name][variant] = max(float(np.abs(v - r).max()) for v, r in zip(values, reference, strict=True))
        release_memory()
    largest = max(((d, name, variant) for name, row in rows.items() for variant, d in row.items()), default=(0.0, "", ""))
    return {"max_abs_diff": rows, "largest_abs_diff": largest[0], "largest_at": f"{largest[1]} ({largest[2]})",
            "clip": f"{sizes.precision_frames} frames at {sizes.video_size[0]}x{sizes.video_size[1]}",
            "weights": "random-init, real size: how the arithmetic moves, not the released networks"}  # fmt: skip


def appearance_expert(sizes: Sizes) -> dict[str, Any]:
    """Seconds per relay segment of the Appearance Expert's transformer: the median denoising step x the steps."""
    height, width, frames = sizes.expert_segment
    steps = sizes.expert.render.steps
    _, forward = segment_forward(sizes.expert, height, width, frames, sizes.device, sizes.expert_dtype)
    with torch.no_grad():
        step = median_seconds(forward, 1, 3, sizes.device)
    return {"median_s": step * steps, "fps": frames / (step * steps), "step_s": step, "steps": steps,
            "segment": f"{height}x{width}x{frames}", "preset": sizes.expert.name,
            "timing": "median of 3 steps after 1 warm-up, x steps; VAE and encoders excluded"}  # fmt: skip


def lodge_fk(sizes: Sizes) -> dict[str, Any]:
    """Issue 17 on this host's CPU: the golden FK and FID_k per ATen kernel set; the best set's FID_k error."""
    cpu = cpu_description()
    runs = [measure_in_subprocess(name) for name in cpu["capabilities"]] if sizes.every_kernel_set else [measure()]
    measured = [run for run in runs if "error" not in run]
    if not measured:
        raise RuntimeError(f"every kernel set failed: {runs[0]['error']}")
    best = min(measured, key=lambda run: run["fid_k_rel_error"])
    return {"cpu": cpu["model"], "runs": runs, "best_capability": best["capability"],
            "fid_k_rel_error": best["fid_k_rel_error"], "fk_frame0_equal": best["fk_frame0_equal"]}  # fmt: skip


def sections(sizes: Sizes) -> dict[str, tuple[str, Callable[[], dict[str, Any]]]]:
    """Section name -> (dtype, the call measuring it), in run order."""
    return {
        "motion_expert_float32": ("float32", lambda: motion_expert(sizes, torch.float32)),
        "motion_expert_bfloat16": ("bfloat16", lambda: motion_expert(sizes, torch.bfloat16)),
        "appearance_float32": ("float32", lambda: appearance(sizes, torch.float32)),
        "appearance_half": (dtype_name(sizes.half), lambda: appearance(sizes, sizes.half)),
        "appearance_precision": (dtype_name(sizes.half), lambda: appearance_precision(sizes)),
        "appearance_expert": (dtype_name(sizes.expert_dtype), lambda: appearance_expert(sizes)),
        "lodge_fk_platform": ("float32", lambda: lodge_fk(sizes)),
    }


def dtype_name(dtype: torch.dtype) -> str:
    """'bfloat16' for torch.bfloat16."""
    return str(dtype).removeprefix("torch.")


def one_line(error: BaseException) -> str:
    """`Type: first line of the message`, at most 300 characters."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def release_memory() -> None:
    """Free what the last measurement left on the accelerator, so the next one starts with its memory."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def verdict(figures: dict[str, Any], target: dict[str, float] | None) -> bool | None:
    """Whether the figures meet the target (None: no target, or nothing measured)."""
    if target is None or "error" in figures:
        return None
    if "fps_min" in target:
        return figures["fps"] >= target["fps_min"]
    if "fid_k_rel_error_max" in target:
        return figures["fid_k_rel_error"] <= target["fid_k_rel_error_max"]
    return figures["projected_s"] <= target["projected_s_max"]


def device_name(device: str) -> str:
    """The accelerator's name, or the CPU's thread count."""
    return torch.cuda.get_device_name() if device.startswith("cuda") else f"cpu ({torch.get_num_threads()} threads)"


def run_section(call: Callable[[], dict[str, Any]], base: dict[str, Any]) -> dict[str, Any]:
    """The section's entry: `base` plus its figures and verdict, or status failed with the one-line error."""
    start = time.monotonic()
    try:
        figures = call()
    except Exception as error:  # a failing section is recorded and the check goes on
        figures = {"error": one_line(error)}
    release_memory()
    status = "failed" if "error" in figures else "ok"
    log.info("%s: %s in %.1f s", base["name"], figures.get("error", "ok"), time.monotonic() - start)
    return base | figures | {"status": status, "pass": verdict(figures, base["target"]),
                             "wall_s": round(time.monotonic() - start, 2)}  # fmt: skip


def check(sizes: Sizes, out: Path, budget_s: float, command: str) -> dict[str, Any]:
    """Run every section within the budget, rewriting `out` after each; the final document."""
    start = time.monotonic()
    device = device_name(sizes.device)
    doc: dict[str, Any] = {
        "command": command, "mode": "cpu-smoke" if sizes.device == "cpu" else "gpu", "device": device,
        "torch": torch.__version__, "cuda": torch.version.cuda, "budget_s": budget_s,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sections": {},
    }  # fmt: skip
    for name, (dtype, call) in sections(sizes).items():
        base = {"name": name, "device": device, "torch": torch.__version__, "dtype": dtype, "target": TARGETS[name]}
        elapsed = time.monotonic() - start
        if elapsed > budget_s:
            reason = f"budget {budget_s:g} s spent ({elapsed:.0f} s)"
            entry = base | {"status": "skipped", "pass": None, "reason": reason}
        else:
            entry = run_section(call, base)
        doc["sections"][name] = entry
        doc["elapsed_s"] = round(time.monotonic() - start, 2)
        atomic_write_text(out, json.dumps(doc, indent=2) + "\n")
    return doc


def figure(entry: dict[str, Any]) -> str:
    """A section's headline figure: speed (and the projected test-set time), or the FK check's FID_k error."""
    if "largest_abs_diff" in entry:
        return f"largest |half - float32| {entry['largest_abs_diff']:.1e} at {entry['largest_at']}"
    if "fid_k_rel_error" in entry:
        return f"FID_k rel {entry['fid_k_rel_error']:.1e} ({entry['best_capability']}), FK frame 0 {entry['fk_frame0_equal']}/72"
    text = f"{entry['fps']:10.1f} FPS  {entry['median_s']:8.3f} s"
    if "projected_s" in entry:
        text += f"  -> {entry['projected_s']:.0f} s for {entry['clips']} clips"
    if entry.get("cuda_graphs"):
        text += f"  (CUDA graphs; eager {entry['eager_fps']:.1f} FPS, motion max diff {entry['graph_vs_eager_max_abs']:.1e})"
    return text


def summary(doc: dict[str, Any]) -> str:
    """One line per section: figure, target, verdict (or why there is none)."""
    lines = [f"{doc['device']}, torch {doc['torch']}, {doc['mode']}, {doc['elapsed_s']:.0f} s"]
    for name, entry in doc["sections"].items():
        if entry["status"] != "ok":
            lines.append(f"{name:24s} {entry['status']}: {entry.get('error') or entry.get('reason')}")
            continue
        verdict_text = {True: "pass", False: "FAIL", None: "no target"}[entry["pass"]]
        lines.append(f"{name:24s} {figure(entry)}  target {entry['target']}: {verdict_text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the JSON of figures (rewritten after each section)")
    parser.add_argument("--budget-s", type=float, default=480.0, help="skip the sections left once this has passed")
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny sizes on the CPU: checks the wiring only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.cpu_smoke and not torch.cuda.is_available():
        log.error("no CUDA device (torch %s): run this on a GPU machine, or give --cpu-smoke", torch.__version__)
        return 2
    sizes = smoke_sizes() if args.cpu_smoke else Sizes(device="cuda")
    command = " ".join(["python bench/device_check.py", *(sys.argv[1:] if argv is None else argv)])
    doc = check(sizes, args.out, args.budget_s, command)
    print(summary(doc))
    return 0 if all(entry["status"] == "ok" for entry in doc["sections"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
