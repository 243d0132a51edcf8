"""Bad input to the model command lines: the Motion Expert and Appearance Expert converters, the Appearance
Expert's generate, and the packaged-LPIPS converter. One `error:` line naming the file (exit 1) or the flag
(exit 2), before any model is built or loaded, and nothing written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image
import torch
from safetensors.torch import save_file

from manifests.sample import SAMPLE_ROOT
from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, check_case, parametrize
from tests.golden import REPO

MOTION_CONVERT = "models.motion_expert.convert"
APPEARANCE_CONVERT = "models.appearance_expert.convert"
GENERATE = "models.appearance_expert.generate"
MOTION = SAMPLE_ROOT / "motion" / "s001.npy"
DEMO = REPO / "models" / "checkpoints" / "motion_expert_demo.safetensors"


def official(path: Path, state: dict[str, torch.Tensor]) -> Path:
    """An EDGE-style torch.save checkpoint holding `state` as its model weights (the public release's outer layout)."""
    torch.save({"model_state_dict": state, "ema_state_dict": state, "normalizer": None}, path)
    return path


def safetensors_file(path: Path, **tensors: torch.Tensor) -> Path:
    """A readable safetensors file holding `tensors` (names with '__' for '.')."""
    save_file({name.replace("__", "."): value for name, value in tensors.items()}, str(path))
    return path


def reference_image(path: Path) -> Path:
    """A plain 64x64 RGB image (enough to get past the image check; these cases fail before rendering)."""
    PIL.Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(path)
    return path


def nan_motion(path: Path) -> Path:
    """The bundled dancer's first 40 frames with one NaN joint angle."""
    array = np.load(MOTION)[:40].copy()
    array[7, 9] = np.nan
    np.save(path, array)
    return path


def generate(folder: Path, *argv: str, image: bool = True, out: str = "dance.mp4") -> list[str]:
    """generate --tiny argv with the bundled motion, a plain image and an earlier video at --out."""
    make.earlier_output(folder / out, "an earlier video\n")
    return ["--tiny", "--motion", str(MOTION), *(["--image", str(reference_image(folder / "ref.png"))] if image else []),
            "--out", out, *argv]  # fmt: skip


def real_generate(folder: Path, *argv: str) -> list[str]:
    """generate with --weights (a folder that need not exist) instead of --tiny."""
    return [a for a in generate(folder, *argv) if a != "--tiny"]


CASES = [
    # models.motion_expert.convert
    Case("not-the-public-layout", MOTION_CONVERT,
         lambda d: [str(official(d / "train-2000.pt", {"final_layer.weight": torch.zeros(151, 8)})), "--out", "me.safetensors"],
         1, r"train-2000\.pt: missing input_projection\.weight, .*: not the public MACE-Dance Motion Expert layout",
         timeout_s=20),
    Case("foreign-state-dict-key", MOTION_CONVERT,
         lambda d: [str(official(d / "edge.pt", {"seqTransEncoder.layers.0.linear1.weight": torch.zeros(2, 2)})),
                    "--out", "me.safetensors"],
         1, r"edge\.pt: unexpected key 'seqTransEncoder\.layers\.0\.linear1\.weight': not the public MACE-Dance Motion "
            r"Expert layout", timeout_s=20),
    Case("random-bytes", MOTION_CONVERT, lambda d: [str(make.random_bytes(d / "train-2000.pt")), "--out", "me.safetensors"],
         1, r"train-2000\.pt: not a torch checkpoint \(neither a torch\.save zip archive nor a pickle\)", timeout_s=20),
    Case("already-converted", MOTION_CONVERT,
         lambda d: [str(make.copy_of(DEMO, d / "demo.safetensors")), "--out", "me.safetensors"],
         1, r"demo\.safetensors: not a torch checkpoint", timeout_s=20),
    Case("source-missing", MOTION_CONVERT, lambda d: ["train-2000.pt", "--out", "me.safetensors"],
         1, r"train-2000\.pt: no such file \(source\)", timeout_s=20),
    Case("out-is-a-folder", MOTION_CONVERT,
         lambda d: (make.earlier_output(d / "ckpts" / "old.safetensors"),
                    [str(official(d / "a.pt", {})), "--out", "ckpts"])[1],
         2, r"ckpts: is a folder, --out takes a file path", timeout_s=20),
    Case("out-read-only", MOTION_CONVERT, lambda d: [str(official(d / "a.pt", {})), "--out", make.readonly_target()],
         2, r"results\.json: cannot write in /\w+ .*\(--out\)", timeout_s=20),
    # models.appearance_expert.convert
    Case("adapter-random-bytes", APPEARANCE_CONVERT,
         lambda d: ["--adapter", str(make.random_bytes(d / "Adapter.safetensors")), "--out", "conv", "--preset", "tiny"],
         1, r"Adapter\.safetensors: not a readable safetensors file", timeout_s=20),
    Case("adapter-not-an-adapter", APPEARANCE_CONVERT,
         lambda d: ["--adapter", str(safetensors_file(d / "Adapter.safetensors", vae__w=torch.zeros(2))),
                    "--out", "conv", "--preset", "tiny"],
         1, r"Adapter\.safetensors: no pose_patch_embedding tensors; keys are: vae\.w", timeout_s=20),
    Case("lora-not-a-lora", APPEARANCE_CONVERT,
         lambda d: ["--lora", str(safetensors_file(d / "LoRA.safetensors", blocks__0__w=torch.zeros(2))),
                    "--out", "conv", "--preset", "tiny"],
         1, r"LoRA\.safetensors: blocks\.0\.w: not a LoRA key \(expected blocks\.N\.<module>\.lora_A/lora_B\.weight\)",
         timeout_s=20),
    Case("lora-missing", APPEARANCE_CONVERT, lambda d: ["--lora", "LoRA.safetensors", "--out", "conv"],
         1, r"LoRA\.safetensors: no such file \(--lora\)", timeout_s=20),
    Case("out-is-a-file", APPEARANCE_CONVERT,
         lambda d: (make.earlier_output(d / "conv"),
                    ["--adapter", str(safetensors_file(d / "a.safetensors", w=torch.zeros(2))), "--out", "conv"])[1],
         2, r"conv: is a file, --out takes a folder", timeout_s=20),
    Case("wan-shard-not-the-original-layout", APPEARANCE_CONVERT,
         lambda d: ["--wan-original", str(safetensors_file(d / "shard-1.safetensors", head__w=torch.zeros(2))),
                    "--out", "wan", "--preset", "tiny"],
         1, r"shard-1\.safetensors: not the Wan2\.2-Animate original layout for the 'tiny' transformer: \d+ tensors missing",
         timeout_s=40),
    Case("nothing-to-convert", APPEARANCE_CONVERT, lambda d: ["--out", "conv"],
         2, r"nothing to convert: pass --adapter, --lora and/or --wan-original", timeout_s=20),
    # models.appearance_expert.generate
    Case("image-missing", GENERATE, lambda d: generate(d, image=False) + ["--image", "dancer.png"],
         1, r"dancer\.png: no such file \(--image\)", timeout_s=20),
    Case("image-corrupt", GENERATE,
         lambda d: generate(d, image=False) + ["--image", str(make.random_bytes(d / "dancer.png"))],
         1, r"dancer\.png: not a readable image", timeout_s=20),
    Case("motion-nan", GENERATE,
         lambda d: [a if a != str(MOTION) else str(nan_motion(d / "dance.npy")) for a in generate(d)],
         1, r"dance\.npy: 1 non-finite values \(NaN/inf\), first at index \(7, 9\)", timeout_s=20),
    Case("music-missing", GENERATE, lambda d: generate(d, "--music", "song.ogg"),
         1, r"song\.ogg: no such file \(--music\)", timeout_s=20),
    Case("weights-folder-missing", GENERATE, lambda d: real_generate(d, "--weights", "Wan2.2-Animate-14B"),
         1, r"Wan2\.2-Animate-14B: Wan-Animate weights folder not found; pass --weights DIR, set MACE_WAN_ANIMATE_DIR .*"
            r"get it from https://huggingface\.co/Wan-AI/", timeout_s=20),
    Case("device-absent", GENERATE, lambda d: real_generate(d, "--weights", "wan", "--device", "cuda:9"),
         2, r"--device cuda:9: this machine has (no CUDA device|\d+ CUDA device\(s\)); use --device cpu", timeout_s=20),
    Case("fps-nan", GENERATE, lambda d: generate(d, "--fps", "nan"),
         2, r"argument --fps: expected a finite number > 0, got 'nan'", timeout_s=20),
    Case("fps-zero", GENERATE, lambda d: generate(d, "--fps", "0"),
         2, r"argument --fps: expected a finite number > 0, got '0'", timeout_s=20),
    Case("height-negative", GENERATE, lambda d: generate(d, "--height", "-5"),
         2, r"argument --height: expected an integer > 0, got '-5'", timeout_s=20),
    Case("width-zero", GENERATE, lambda d: generate(d, "--width", "0"),
         2, r"argument --width: expected an integer > 0, got '0'", timeout_s=20),
    Case("steps-zero", GENERATE, lambda d: generate(d, "--steps", "0"),
         2, r"argument --steps: expected an integer > 0, got '0'", timeout_s=20),
    Case("seed-nonsense", GENERATE, lambda d: generate(d, "--seed", "lucky"),
         2, r"argument --seed: expected an integer >= 0, got 'lucky'", timeout_s=20),
    Case("video-out-is-a-folder", GENERATE, lambda d: generate(d, out="videos/old.mp4")[:-1] + ["videos"],
         2, r"videos: is a folder, --out takes a file path", timeout_s=20),
    Case("video-out-read-only", GENERATE, lambda d: generate(d)[:-2] + ["--out", make.readonly_target()],
         2, r"results\.json: cannot write in /\w+ .*\(--out\)", timeout_s=20),
    Case("adapter-with-tiny", GENERATE, lambda d: generate(d, "--adapter", str(make.copy_of(DEMO, d / "a.safetensors"))),
         2, r"--adapter: --tiny is a random model built in code", timeout_s=20),
    # models.vision.lpips_packaged
    Case("net-unknown", "models.vision.lpips_packaged", lambda d: ["--net", "squeeze"],
         2, r"python -m models\.vision\.lpips_packaged: argument --net: invalid choice: 'squeeze' \(choose from '?alex'?, '?vgg'?\)", timeout_s=20),
]  # fmt: skip


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
