"""Bad input to `python -m benchmark.run` (motion, video and animation protocols): one `error:` line, early.

Every case fails before a dance is generated: checkpoints are judged from their header, flags by their
argparse types, output paths (the results JSON and the folders a video run writes beside it) before any
work; an earlier results JSON at --out is left byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from manifests.sample import SAMPLE_ROOT
from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, check_case, parametrize
from tests.golden import REPO

RUN = "benchmark.run"
DEMO = REPO / "models" / "checkpoints" / "motion_expert_demo.safetensors"
EDGE_DEMO = REPO / "models" / "checkpoints" / "edge_demo.safetensors"
VIDEO = ["--protocol", "ma_video@mace", "--method", "random_motion"]


def earlier(folder: Path, *argv: str, out: str = "res.json") -> list[str]:
    """argv with `--out res.json`, where an earlier run's complete results already lie."""
    make.earlier_output(folder / out)
    return [*argv, "--out", out]


def demo_with_header(path: Path, format_: str | None = None, **extra_meta: object) -> Path:
    """The demo checkpoint's tensors re-saved with its header changed: another format, or extra meta fields."""
    from safetensors import safe_open

    with safe_open(str(DEMO), framework="pt") as handle:
        header = dict(handle.metadata())
    meta = {**json.loads(header["meta"]), **extra_meta}
    save_file(load_file(str(DEMO)), str(path), metadata={"format": format_ or header["format"], "meta": json.dumps(meta)})
    return path


def torch_pickle(path: Path) -> Path:
    """A torch.save file (what the public release ships), not a suite checkpoint."""
    torch.save({"model_state_dict": {"w": torch.zeros(2)}}, path)
    return path


def bare_safetensors(path: Path) -> Path:
    """A safetensors file with tensors but none of the suite's checkpoint metadata."""
    save_file({"model.w": torch.zeros(2)}, str(path))
    return path


CASES = [
    Case("checkpoint-missing", RUN,
         lambda d: earlier(d, "--method", "mace_dance", "--checkpoint", "gone.safetensors"),
         1, r"gone\.safetensors: no such file \(--checkpoint\)", timeout_s=20),
    Case("checkpoint-random-bytes", RUN,
         lambda d: earlier(d, "--method", "mace_dance", "--checkpoint", str(make.random_bytes(d / "ckpt.safetensors"))),
         1, r"ckpt\.safetensors: not a safetensors checkpoint \(", timeout_s=20),
    Case("checkpoint-torch-pickle", RUN,
         lambda d: earlier(d, "--method", "mace_dance", "--checkpoint", str(torch_pickle(d / "train-2000.pt"))),
         1, r"train-2000\.pt: a torch\.save pickle, not a mace-bench safetensors checkpoint; convert .*"
            r"models\.motion_expert\.convert", timeout_s=20),
    Case("checkpoint-without-suite-metadata", RUN,
         lambda d: earlier(d, "--method", "edge", "--checkpoint", str(bare_safetensors(d / "bare.safetensors"))),
         1, r"bare\.safetensors: no mace-bench checkpoint metadata \(format absent, expected mace-bench/dance-diffusion/1\)",
         timeout_s=20),
    Case("checkpoint-unknown-meta-fields", RUN,
         lambda d: earlier(d, "--method", "mace_dance", "--checkpoint",
                           str(demo_with_header(d / "newer.safetensors", sampler_v2={"steps": 8}))),
         1, r"newer\.safetensors: checkpoint metadata field\(s\) sampler_v2 are unknown to mace-bench \S+ .*"
            r"written by a newer mace-bench; update", timeout_s=20),
    Case("checkpoint-newer-format", RUN,
         lambda d: earlier(d, "--method", "mace_dance", "--checkpoint",
                           str(demo_with_header(d / "v2.safetensors", "mace-bench/dance-diffusion/2"))),
         1, r"v2\.safetensors: checkpoint format mace-bench/dance-diffusion/2 is newer than mace-bench \S+ reads "
            r"\(mace-bench/dance-diffusion/1\)", timeout_s=20),
    Case("checkpoint-of-the-other-model", RUN,
         lambda d: earlier(d, "--method", "mace_dance", "--checkpoint", str(make.copy_of(EDGE_DEMO, d / "e.safetensors"))),
         1, r"e\.safetensors: a edge checkpoint, but this method needs a motion_expert one", timeout_s=20),
    Case("checkpoint-to-a-baseline", RUN,
         lambda d: earlier(d, "--method", "random_motion", "--checkpoint", str(make.copy_of(DEMO, d / "m.safetensors"))),
         2, r"--checkpoint: --method random_motion does not read it \(only edge, mace_dance do\)", timeout_s=20),
    Case("checkpoint-in-a-video-run-before-pose-models", RUN,
         lambda d: earlier(d, "--protocol", "ma_video@mace", "--method", "mace_dance", "--checkpoint",
                           str(make.random_bytes(d / "junk.safetensors"))),
         1, r"junk\.safetensors: not a safetensors checkpoint", timeout_s=20),
    Case("checkpoint-to-animation", RUN,
         lambda d: earlier(d, "--protocol", "animation@v1", "--checkpoint", str(make.copy_of(DEMO, d / "m.safetensors"))),
         2, r"--checkpoint: animation@v1 animates the GT clips as they are", timeout_s=20),
    Case("data-missing", RUN, lambda d: earlier(d, "--method", "ground_truth", "--data", "nodata"),
         1, r"nodata: no such folder \(--data\)", timeout_s=20),
    Case("data-is-a-file", RUN,
         lambda d: earlier(d, "--method", "ground_truth", "--data", str(make.copy_of(SAMPLE_ROOT / "sample.json", d / "s.json"))),
         1, r"s\.json: is a file, --data takes a folder", timeout_s=20),
    Case("data-without-motion-folder", RUN,
         lambda d: ((d / "songs").mkdir(), earlier(d, "--method", "ground_truth", "--data", "songs"))[1],
         1, r"songs: no motion/ or music/ folder \(--data takes a FineDance-layout folder", timeout_s=20),
    Case("motions-missing", RUN, lambda d: earlier(d, "--method", "motion_folder", "--motions", "their_motions"),
         1, r"their_motions: no such folder \(--motions\)", timeout_s=20),
    Case("motions-to-another-method", RUN,
         lambda d: (Path(d / "theirs").mkdir(), earlier(d, "--method", "random_motion", "--motions", "theirs"))[1],
         2, r"--motions: --method random_motion does not read it \(only motion_folder do\)", timeout_s=20),
    Case("method-unknown", RUN, lambda d: earlier(d, "--method", "bailando_plus"),
         2, r"argument --method: invalid choice: 'bailando_plus' \(choose from .*ground_truth", timeout_s=20),
    Case("method-missing", RUN, lambda d: earlier(d), 2, r"--method: required for finedance3d@v1 \(one of .*random_motion",
         timeout_s=20),
    Case("out-is-a-folder", RUN,
         lambda d: (make.earlier_output(d / "res" / "old.json"), ["--method", "ground_truth", "--out", "res"])[1],
         2, r"res: is a folder, --out takes a file path", timeout_s=20),
    Case("out-in-a-file", RUN,
         lambda d: (make.earlier_output(d / "notes.txt"), ["--method", "ground_truth", "--out", "notes.txt/res.json"])[1],
         2, r"notes\.txt/res\.json: notes\.txt is a file, not a folder \(--out\)", timeout_s=20),
    Case("out-read-only", RUN, lambda d: ["--method", "ground_truth", "--out", make.readonly_target()],
         2, r"results\.json: cannot write in /\w+ \(.*\) \(--out\)", timeout_s=20),
    Case("video-folder-beside-out-is-a-file", RUN,
         lambda d: (make.earlier_output(d / "res_videos"), earlier(d, *VIDEO))[1],
         2, r"res_videos: is a file, but --out res\.json writes a folder of that name beside it", timeout_s=20),
    Case("report-folder-beside-out-is-a-file", RUN,
         lambda d: (make.earlier_output(d / "res_report"), earlier(d, *VIDEO))[1],
         2, r"res_report: is a file, but --out res\.json writes a folder of that name beside it", timeout_s=20),
    Case("animation-gt-folder-beside-out-is-a-file", RUN,
         lambda d: (make.earlier_output(d / "res_gt"), earlier(d, "--protocol", "animation@v1"))[1],
         2, r"res_gt: is a file, but --out res\.json writes a folder of that name beside it", timeout_s=20),
    Case("appearance-expert-without-its-weights", RUN, lambda d: earlier(d, *VIDEO, "--appearance", "appearance_expert"),
         2, r"--adapter --lora: --appearance appearance_expert needs them \(MACE-Dance's Adapter\.safetensors", timeout_s=20),
    Case("device-absent", RUN, lambda d: earlier(d, *VIDEO, "--device", "cuda:9"),
         2, r"--device cuda:9: this machine has (no CUDA device|\d+ CUDA device\(s\)); use --device cpu", timeout_s=20),
    Case("size-negative", RUN, lambda d: earlier(d, *VIDEO, "--size", "288x-4"),
         2, r"argument --size: expected a positive, even WIDTHxHEIGHT \(H\.264\), got '288x-4'", timeout_s=20),
    Case("seconds-nan", RUN, lambda d: earlier(d, *VIDEO, "--seconds", "nan"),
         2, r"argument --seconds: expected a finite number > 0, got 'nan'", timeout_s=20),
    Case("limit-zero", RUN, lambda d: earlier(d, *VIDEO, "--limit", "0"),
         2, r"argument --limit: expected an integer > 0, got '0'", timeout_s=20),
    Case("seed-nonsense", RUN, lambda d: earlier(d, "--method", "random_motion", "--seed", "lucky"),
         2, r"argument --seed: expected an integer >= 0, got 'lucky'", timeout_s=20),
    Case("bootstrap-zero", RUN, lambda d: earlier(d, "--method", "ground_truth", "--bootstrap", "0"),
         2, r"argument --bootstrap: expected an integer > 0, got '0'", timeout_s=20),
    Case("video-option-to-a-motion-protocol", RUN,
         lambda d: earlier(d, "--method", "random_motion", "--appearance", "tiny"),
         2, r"--appearance: only apply to video protocols \(ma_video@\*\), not finedance3d@v1", timeout_s=20),
    Case("method-given-to-animation", RUN, lambda d: earlier(d, "--protocol", "animation@v1", "--method", "edge"),
         2, r"--method: animation@v1 animates GT clips' own pose: give --appearance, not --method", timeout_s=20),
]  # fmt: skip


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
