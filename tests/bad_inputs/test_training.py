"""Bad input to the training commands: the dance-diffusion trainers (`python -m models.motion_expert.train`,
`python -m models.edge.train`) and the Appearance Expert trainer (`python -m models.appearance_expert.train`).

Each case is refused with one `error:` line before any model or data loads (flags, data, output folder,
device, a checkpoint to resume), or, for a run that diverges, at the step where the loss turns NaN, with
the last good checkpoint kept.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from manifests.sample import SAMPLE_ROOT
from manifests.schema import table_from_rows
from models.registry import MODEL_KINDS
from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, check_case, parametrize

MOTION = "models.motion_expert.train"
EDGE = "models.edge.train"
APPEARANCE = "models.appearance_expert.train"
MOTION_KIND = (MODEL_KINDS["motion_expert"],)
EDGE_KIND = (MODEL_KINDS["edge"],)
TINY_DIFFUSION = ["--steps", "2", "--batch-size", "2", "--width", "32", "--layers", "1", "--window", "32",
                  "--stride", "8", "--no-progress"]  # fmt: skip


def dance_folder(folder: Path) -> Path:
    """Two real sample motions with smooth 35-d music features (.npy, no audio decoding): trains in seconds."""
    root = folder / "dance"
    for k, clip in enumerate(("s001", "s004")):
        make.copy_of(SAMPLE_ROOT / "motion" / f"{clip}.npy", root / "motion" / f"{clip}.npy")
        t = np.arange(120)[:, None]
        (root / "music").mkdir(exist_ok=True)
        np.save(root / "music" / f"{clip}.npy", np.sin(t * (np.arange(35) + 1 + k) / 40).astype(np.float32))
    return root


def diffusion(folder: Path, *extra: str, out: str = "run") -> list[str]:
    """A tiny motion-expert/EDGE training command line on `dance_folder` plus `extra` flags."""
    return ["--data", str(dance_folder(folder)), "--out", str(folder / out), *TINY_DIFFUSION, *extra]


def manifest(folder: Path) -> Path:
    """An MA-Data manifest (one rejected row): a readable --data that the path checks pass."""
    path = folder / "manifest.parquet"
    pq.write_table(table_from_rows([{"id": "x", "source": "t", "source_id": "t", "status": "rejected", "reason": "r"}]),
                   path)  # fmt: skip
    return path


def appearance(folder: Path, *extra: str, out: str = "run") -> list[str]:
    """A tiny kinematic-stage command line on `manifest` plus `extra` flags (`out` under `folder` unless absolute)."""
    return ["--stage", "kinematic", "--tiny", "--data", str(manifest(folder)), "--out", str(folder / out),
            "--steps", "1", "--no-progress", *extra]  # fmt: skip


def corrupt_resume(folder: Path) -> list[str]:
    """A run folder whose checkpoint to resume is random bytes, beside an earlier log."""
    make.random_bytes(folder / "run" / "last.safetensors")
    make.earlier_output(folder / "run" / "log.jsonl", json.dumps({"step": 2, "loss": 1.0}) + "\n")
    return diffusion(folder)


def corrupt_appearance_resume(folder: Path) -> list[str]:
    """An Appearance Expert run folder whose newest checkpoint's state.json is random bytes."""
    make.random_bytes(folder / "run" / "checkpoints" / "step-0000002" / "state.json")
    make.random_bytes(folder / "run" / "checkpoints" / "step-0000002" / "adapter.safetensors", seed=1)
    return appearance(folder)


def broken_motion(folder: Path) -> list[str]:
    """A data folder one of whose motion files is random bytes."""
    argv = diffusion(folder)
    make.random_bytes(folder / "dance" / "motion" / "s004.npy")
    return argv


def wrong_music_shape(folder: Path) -> list[str]:
    """A data folder one of whose precomputed music features is (T,7), not (T,35)."""
    argv = diffusion(folder)
    np.save(folder / "dance" / "music" / "s004.npy", np.zeros((120, 7), np.float32))
    return argv


def no_music_folder(folder: Path) -> list[str]:
    """A data folder with motion/ but no music/."""
    argv = diffusion(folder)
    shutil.rmtree(folder / "dance" / "music")
    return argv


CASES = [
    # flags: usage errors before anything loads
    Case("lr-nan", MOTION, lambda d: diffusion(d, "--lr", "nan"), 2, r"--lr: expected a finite number > 0, got 'nan'",
         timeout_s=20, main_args=MOTION_KIND),
    Case("steps-zero", MOTION, lambda d: diffusion(d, "--steps", "0"), 2, r"--steps: expected an integer > 0, got '0'",
         timeout_s=20, main_args=MOTION_KIND),
    Case("batch-size-zero", MOTION, lambda d: diffusion(d, "--batch-size", "0"), 2,
         r"--batch-size: expected an integer > 0, got '0'", timeout_s=20, main_args=MOTION_KIND),
    Case("ema-decay-above-one", MOTION, lambda d: diffusion(d, "--ema-decay", "1.5"), 2,
         r"--ema-decay: expected a number in \[0, 1\], got '1.5'", timeout_s=20, main_args=MOTION_KIND),
    Case("window-zero", MOTION, lambda d: diffusion(d, "--window", "0"), 2, r"--window: expected an integer > 0, got '0'",
         timeout_s=20, main_args=MOTION_KIND),
    Case("window-one-frame", MOTION, lambda d: diffusion(d, "--window", "1"), 2,
         r"--window 1: a training window needs at least 2 frames", timeout_s=20, main_args=MOTION_KIND),
    Case("width-negative", MOTION, lambda d: diffusion(d, "--width", "-1"), 2, r"--width: expected an integer > 0, got '-1'",
         timeout_s=20, main_args=MOTION_KIND),
    Case("width-not-a-multiple-of-heads", EDGE, lambda d: diffusion(d, "--width", "33"), 2,
         r"--width 33: must be even and a multiple of the 4 attention heads", timeout_s=20, main_args=EDGE_KIND),
    Case("log-every-zero", MOTION, lambda d: diffusion(d, "--log-every", "0"), 2,
         r"--log-every: expected an integer > 0, got '0'", timeout_s=20, main_args=MOTION_KIND),
    Case("save-every-zero", EDGE, lambda d: diffusion(d, "--save-every", "0"), 2,
         r"--save-every: expected an integer > 0, got '0'", timeout_s=20, main_args=EDGE_KIND),
    Case("unknown-preset", MOTION, lambda d: diffusion(d, "--preset", "huge"), 2, r"--preset: invalid choice: 'huge'",
         timeout_s=20, main_args=MOTION_KIND),
    Case("device-cuda-on-cpu", MOTION, lambda d: diffusion(d, "--device", "cuda"), 2,
         r"--device cuda: this machine has no CUDA device; use --device cpu", timeout_s=20, main_args=MOTION_KIND),
    # data
    Case("data-missing", MOTION, lambda d: ["--data", str(d / "absent"), "--out", str(d / "run"), *TINY_DIFFUSION], 1,
         r"absent: no such folder \(--data\)", timeout_s=20, main_args=MOTION_KIND),
    Case("data-is-a-file", MOTION, lambda d: ["--data", str(make.random_bytes(d / "dance.bin")), "--out", str(d / "run"),
                                              *TINY_DIFFUSION], 1,
         r"dance.bin: is a file, --data takes a FineDance-layout folder or a .parquet manifest", timeout_s=20,
         main_args=MOTION_KIND),
    Case("data-without-music-folder", MOTION, no_music_folder, 1,
         r"dance: has no music/ folder \(expected the FineDance layout motion/ \+ music/; --data\)", timeout_s=20,
         main_args=MOTION_KIND),
    Case("data-motion-file-corrupt", MOTION, broken_motion, 1, r"motion/s004.npy: .*(not a readable|cannot|truncated)",
         timeout_s=30, main_args=MOTION_KIND),
    Case("data-music-feature-wrong-shape", EDGE, wrong_music_shape, 1,
         r"music/s004.npy: a music feature must be \(T,35\), got \(120, 7\)", timeout_s=30, main_args=EDGE_KIND),
    # output paths and resuming: refused before training, earlier files untouched
    Case("out-is-a-file", MOTION, lambda d: (make.earlier_output(d / "run"), diffusion(d))[1], 2,
         r"run: is a file, --out takes a folder", timeout_s=20, main_args=MOTION_KIND),
    Case("out-read-only", MOTION, lambda d: diffusion(d, out=str(Path(make.readonly_target()).parent)), 2,
         r"mace_bench_out: cannot write in /\w+ \(.*\) \(--out\)", timeout_s=20, main_args=MOTION_KIND),
    Case("export-read-only", EDGE, lambda d: diffusion(d, "--export", make.readonly_target()), 2,
         r"results.json: cannot write in /\w+ \(.*\) \(--export\)", timeout_s=20, main_args=EDGE_KIND),
    Case("resume-checkpoint-corrupt", MOTION, corrupt_resume, 1,
         r"run/last.safetensors: not a readable safetensors checkpoint", timeout_s=20, main_args=MOTION_KIND),
    Case("diverging-loss", MOTION, lambda d: diffusion(d, "--lr", "1e30", "--steps", "6", "--save-every", "1"), 1,
         r"step [2-6]: the (loss is nan|weights hold NaN or inf), training diverged \(try a lower --lr\); "
         r"\S+/run/last.safetensors \(step [1-5]\) is kept", timeout_s=60, main_args=MOTION_KIND),
    # the Appearance Expert
    Case("appearance-lr-nan", APPEARANCE, lambda d: appearance(d, "--lr", "nan"), 2,
         r"--lr: expected a finite number > 0, got 'nan'", timeout_s=20),
    Case("appearance-frames-zero", APPEARANCE, lambda d: appearance(d, "--frames", "0"), 2,
         r"--frames: expected an integer > 0, got '0'", timeout_s=20),
    Case("appearance-frames-not-4k+1", APPEARANCE, lambda d: appearance(d, "--frames", "8"), 2,
         r"--frames 8: must be 4k\+1 \(>= 5\)", timeout_s=30),
    Case("appearance-height-negative", APPEARANCE, lambda d: appearance(d, "--height", "-5"), 2,
         r"--height: expected an integer > 0, got '-5'", timeout_s=20),
    Case("appearance-frame-too-elongated", APPEARANCE, lambda d: appearance(d, "--height", "16", "--width", "16000"), 2,
         r"--width/--height: a frame 16000x16 has aspect ratio 1e\+03 > max_aspect 4", timeout_s=30),
    Case("appearance-data-missing", APPEARANCE,
         lambda d: ["--stage", "kinematic", "--tiny", "--data", str(d / "absent.parquet"), "--out", str(d / "run")], 1,
         r"absent.parquet: no such file \(--data\)", timeout_s=30),
    Case("appearance-data-not-parquet", APPEARANCE,
         lambda d: ["--stage", "kinematic", "--tiny", "--data", str(make.random_bytes(d / "m.parquet")), "--out",
                    str(d / "run")], 1,
         r"m.parquet: not a readable Parquet manifest", timeout_s=30),
    Case("appearance-out-is-a-file", APPEARANCE, lambda d: (make.earlier_output(d / "run"), appearance(d))[1], 2,
         r"run: is a file, --out takes a folder", timeout_s=30),
    Case("appearance-out-read-only", APPEARANCE,
         lambda d: appearance(d, out=str(Path(make.readonly_target()).parent)), 2,
         r"mace_bench_out: cannot write in /\w+ \(.*\) \(--out\)", timeout_s=30),
    Case("appearance-init-adapter-missing", APPEARANCE, lambda d: appearance(d, "--init-adapter", str(d / "a.safetensors")),
         1, r"a.safetensors: no such file \(--init-adapter\)", timeout_s=30),
    Case("appearance-init-adapter-corrupt", APPEARANCE,
         lambda d: appearance(d, "--init-adapter", str(make.random_bytes(d / "a.safetensors"))), 1,
         r"a.safetensors: not a readable safetensors file", timeout_s=30),
    Case("appearance-weights-missing", APPEARANCE,
         lambda d: [*appearance(d)[:2], *appearance(d)[3:], "--weights", str(d / "no_weights")], 1,
         r"no_weights: Wan-Animate weights folder not found", timeout_s=30),
    Case("appearance-resume-state-corrupt", APPEARANCE, corrupt_appearance_resume, 1,
         r"checkpoints/step-0000002/state.json: unreadable checkpoint state", timeout_s=30),
]


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
