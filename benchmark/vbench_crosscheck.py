"""Cross-check the native appearance metrics against the official vbench 0.1.5 on the same videos.

`python -m benchmark.vbench_crosscheck --videos DIR --vbench-python ENV/bin/python [--dimensions ...]`
runs `VBench(...).evaluate(mode="custom_input")` in that other environment (vbench pins transformers 4.33,
numpy<2 and needs CUDA torchvision, so it cannot live in this one; see docs/appearance_metrics.md),
reads its `<name>_eval_results.json` ({dimension: [set score, [{"video_path", "video_results"}, ...]]},
vbench/__init__.py `evaluate`), scores the same .mp4 files natively and writes ours, vbench's and the
absolute difference per dimension and per video. `--vbench-results FILE` compares an existing vbench JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.appearance_scoring import parse_checked
from benchmark.cli import add_common_arguments, run_command
from benchmark.pipelines.appearance import list_videos, load_metrics, score_videos
from models.command_line import ArgumentParser, InputError, command, require_file
from models.video.io import check_video

log = logging.getLogger("benchmark.vbench_crosscheck")
VBENCH_SUFFIXES = (".mp4",)  # what vbench's load_video decodes in custom_input mode
RUN_NAME = "crosscheck"
SETUP = (
    "create it with: python3.10 -m venv vbench-env && vbench-env/bin/pip install torch torchvision "
    "(CUDA wheels) && vbench-env/bin/pip install 'vbench==0.1.5' (the project's `vbench` extra pins it)"
)
_RUNNER = """
import sys, torch
from vbench import VBench
videos, out, dims, device, local = sys.argv[1:6]
VBench(torch.device(device), "", out).evaluate(
    videos_path=videos, name="%s", dimension_list=dims.split(","), local=local == "1", mode="custom_input")
""" % RUN_NAME


@dataclass(frozen=True)
class VbenchDimension:
    """One dimension of a vbench results file: the set score and per-video scores by file name."""

    score: float
    per_video: dict[str, float]


def require_vbench_python(python: Path) -> Path:
    """`python` if it is a file, else InputError naming it and how to make the vbench environment."""
    python = Path(python)
    if not python.is_file():
        raise InputError(python, f"no such file (--vbench-python); {SETUP}")
    return python


def run_vbench(
    python: Path, videos: Path, dimensions: Sequence[str], out_dir: Path, device: str = "cuda", local: bool = False
) -> Path:
    """Run official vbench in custom_input mode with `python`; the path of the results JSON it wrote."""
    python = require_vbench_python(python)
    command = [str(python), "-c", _RUNNER, str(videos), str(out_dir), ",".join(dimensions), device, "1" if local else "0"]
    log.info("running vbench: %s", " ".join(command[:1] + command[3:]))
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"vbench ({python}) failed with exit code {done.returncode}:\n{tail}")
    result = Path(out_dir) / f"{RUN_NAME}_eval_results.json"
    if not result.is_file():
        raise RuntimeError(f"vbench ({python}) finished but wrote no {result}")
    return result


def parse_vbench_results(path: Path, dimensions: Sequence[str]) -> dict[str, VbenchDimension]:
    """The requested dimensions of a vbench `*_eval_results.json`; ValueError naming the file and the problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable vbench results JSON ({error})") from error
    parsed = {}
    for dim in dimensions:
        entry = data.get(dim) if isinstance(data, dict) else None
        if entry is None:
            raise ValueError(f"{path}: no results for dimension {dim!r}")
        try:
            score, videos = entry
            per_video = {Path(v["video_path"]).name: float(v["video_results"]) for v in videos}
            parsed[dim] = VbenchDimension(float(score), per_video)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"{path}: {dim} is not [score, [{{video_path, video_results}}, ...]] ({error!r})") from error
    return parsed


def compare(ours_rows: list[dict[str, Any]], ours_metrics: dict[str, dict[str, Any]], theirs: dict[str, VbenchDimension]) -> list[dict[str, Any]]:
    """Rows {dimension, video ('*' for the set score), ours, vbench, abs_diff}; ValueError if the video sets differ."""
    rows = []
    ours_names = {row["video"] for row in ours_rows}
    for dim, vb in theirs.items():
        if set(vb.per_video) != ours_names:
            only_vb, only_ours = sorted(set(vb.per_video) - ours_names), sorted(ours_names - set(vb.per_video))
            raise ValueError(f"{dim}: video sets differ; only in vbench: {only_vb[:5]}, only ours: {only_ours[:5]}")
        pairs = [("*", ours_metrics[dim]["value"], vb.score)]
        pairs += [(row["video"], row[dim], vb.per_video[row["video"]]) for row in ours_rows]
        rows += [{"dimension": dim, "video": v, "ours": a, "vbench": b, "abs_diff": abs(a - b)} for v, a, b in pairs]
    return rows


def format_comparison(rows: list[dict[str, Any]]) -> str:
    """Set scores side by side, with the largest per-video difference of each dimension."""
    lines = [f"{'dimension':<24} {'ours':>8} {'vbench':>8} {'abs diff':>9} {'max video diff':>15}"]
    for row in (r for r in rows if r["video"] == "*"):
        worst = max(r["abs_diff"] for r in rows if r["dimension"] == row["dimension"] and r["video"] != "*")
        lines.append(f"{row['dimension']:<24} {row['ours']:>8.4f} {row['vbench']:>8.4f} {row['abs_diff']:>9.2e} {worst:>15.2e}")
    return "\n".join(lines)


def crosscheck(args: argparse.Namespace, weights: dict[str, Path], work_dir: Path) -> dict[str, Any]:
    """Run vbench (writing into work_dir) or read its JSON, score ours on the same videos, compare.

    Every video is checked first (a comparison needs them all): a bad one stops the run before vbench starts."""
    videos = list_videos(args.videos, VBENCH_SUFFIXES)
    for video in videos:
        check_video(video)
    if args.vbench_results:
        results_path = args.vbench_results
    else:
        results_path = run_vbench(args.vbench_python, args.videos, args.dimensions, work_dir, args.vbench_device, args.vbench_local)
    theirs = parse_vbench_results(results_path, args.dimensions)
    metrics = load_metrics(args.dimensions, weights, args.device)
    rows, entries = score_videos(videos, metrics, n_boot=args.bootstrap)
    return {"videos": str(args.videos), "vbench_results": str(results_path), "comparison": compare(rows, entries, theirs)}


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="python -m benchmark.vbench_crosscheck", description=__doc__.splitlines()[0])
    parser.add_argument("--videos", required=True, type=Path, help="folder of .mp4 videos")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--vbench-python", type=Path, help="python of the environment with vbench 0.1.5 installed")
    source.add_argument("--vbench-results", type=Path, help="an existing vbench *_eval_results.json of these videos")
    parser.add_argument("--vbench-device", default="cuda", help="device for vbench")
    parser.add_argument("--vbench-local", action="store_true", help="vbench loads checkpoints from its local cache")
    add_common_arguments(parser, "vbench_crosscheck.json", 200)
    return parser


@command
def main(argv: list[str] | None = None) -> int:
    args, weights = parse_checked(build_parser(), argv)
    if args.vbench_results:
        require_file(args.vbench_results, "--vbench-results")
    else:
        require_vbench_python(args.vbench_python)
    work_dir = args.out.parent / f"{args.out.stem}_vbench"
    return run_command(args, lambda: crosscheck(args, weights, work_dir), lambda r: format_comparison(r["comparison"]))


if __name__ == "__main__":
    sys.exit(main())
