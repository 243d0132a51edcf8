"""`python -m benchmark.run --method NAME`: generate dances for the test items, then score them.

Motion protocols (default `finedance3d@v1`): with no `--data` it runs on the bundled sample (one real
dancer retargeted to SMPL + real CC-BY music, in FineDance layout), so a fresh clone produces a results
JSON in well under a minute. Video protocols (`--protocol ma_video@mace`): music -> motion -> dance video
with an appearance renderer (`--appearance`, default the mannequin) -> keypoints -> scores; see
benchmark/run_video.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from benchmark.cli import method_options, run_scoring
from benchmark.inputs.baseline_outputs import PRED_FORMATS
from benchmark.inputs.motion_sets import MotionSet, find_music, load_motion_set
from benchmark.methods import Method, TestItem, available_methods, create_method
from benchmark.pipelines.motion3d import BeatSource, score_motion3d
from benchmark.protocols.registry import PROTOCOLS, get_protocol
from benchmark.run_video import add_video_arguments, output_paths, produce_video, reject_video_options
from manifests.sample import SAMPLE_ROOT
from models.command_line import (
    ArgumentParser,
    InputError,
    UsageError,
    command,
    nonnegative_int,
    positive_int,
    require_device,
    require_dir,
    require_writable,
)

log = logging.getLogger("benchmark.run")

SAMPLE_LABEL = "bundled sample (one real dancer + real music): a smoke test, not a benchmark result"


def load_items(data: Path) -> tuple[list[TestItem], MotionSet]:
    """Test items from a FineDance-layout folder: `motion/<id>.npy` and `music/<id>.<audio>`."""
    missing = [name for name in ("motion", "music") if not (data / name).is_dir()]
    if missing:
        raise InputError(data, f"no {' or '.join(f'{m}/' for m in missing)} folder (--data takes a FineDance-layout "
                         "folder: motion/<id>.npy and music/<id>.wav)")
    gt = load_motion_set(data / "motion", name=f"{data}/motion")
    items = [
        TestItem(
            id=i,
            num_frames=gt.motions[i].num_frames,
            fps=gt.fps,
            music_path=find_music(data / "music", i),
            gt=gt.motions[i],
        )
        for i in gt.ids
    ]
    return items, gt


def generate(method: Method, items: list[TestItem], seed: int) -> tuple[MotionSet, float]:
    """Run the method on every item; returns the predictions and the generation wall time."""
    start = time.perf_counter()
    motions = method.generate(items, seed)
    elapsed = time.perf_counter() - start
    missing = [item.id for item in items if item.id not in motions]
    if missing:
        raise ValueError(f"method {method.name!r} returned no motion for items {missing}")
    return MotionSet.from_motions(f"{method.name} predictions", motions), elapsed


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m benchmark.run",
        description="Generate with a registered method and score it under a protocol.",
    )
    parser.add_argument("--method", choices=available_methods(), help="the motion generator (required but for "
                        "animation@*, which animates GT clips' own pose with --appearance)")
    parser.add_argument("--protocol", default="finedance3d@v1", choices=sorted(PROTOCOLS))
    parser.add_argument("--data", type=Path, help="motion protocols: FineDance-layout folder (default: bundled sample); "
                        "video protocols: MA-Data test root (default: the bundled stand-in test set)")
    parser.add_argument("--gt-reference", type=Path, help="set anchoring normalisation and FID")
    parser.add_argument("--seed", type=nonnegative_int, default=0)
    parser.add_argument("--checkpoint", type=Path,
                        help="checkpoint for methods that load one (mace_dance, edge); default: their demo checkpoint")
    parser.add_argument("--motions", type=Path, help="--method motion_folder: folder of another method's motions "
                        "(<id>.npy|.pkl|.bvh|.npz|.csv matched to the test items by id)")
    parser.add_argument("--motions-format", default="suite", choices=("suite", *PRED_FORMATS),
                        help="layout of --motions: the suite's formats (default) or a baseline's released outputs")
    parser.add_argument("--bootstrap", type=positive_int, default=1000)
    parser.add_argument("--out", type=Path, help="results JSON (default: outputs/<method>_<protocol>.json; video "
                        "protocols: outputs/<method>_<appearance>_<protocol>.json)")
    parser.add_argument("-v", "--verbose", action="store_true")
    add_video_arguments(parser)
    return parser


def default_out(args: argparse.Namespace, video: bool) -> Path:
    """outputs/[<method>_][<appearance>_]<protocol>.json (animation has no motion method)"""
    appearance = args.appearance or ("tiny" if args.method is None else "mannequin")
    parts = [*([args.method] if args.method else []), *([appearance] if video else []),
             args.protocol.replace("@", "_at_")]  # fmt: skip
    return Path("outputs") / f"{'_'.join(parts)}.json"


def check_video_outputs(out: Path, folders: list[Path]) -> None:
    """UsageError, before any work, when a folder a video run writes beside its results JSON cannot be one."""
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder}: is a file, but --out {out} writes a folder of that name beside it; "
                             "move the file or choose another --out")  # fmt: skip
        require_writable(folder, "--out", folder=True)


def run_video(args: argparse.Namespace) -> int:
    """The video path: generate, score, report; prints where the videos and the report are."""
    from benchmark.reports.ma_video import write_report

    from benchmark.run_animation import gt_folder, produce_animation

    out = args.out or default_out(args, video=True)
    videos, report = output_paths(out)
    protocol = get_protocol(args.protocol)
    if args.device is not None:
        require_device(args.device)
    if protocol.kind == "animation":
        check_video_outputs(out, [videos, gt_folder(out)])
        code = run_scoring(lambda: produce_animation(args, protocol, out), out)
    else:
        check_video_outputs(out, [videos, report])
        code = run_scoring(lambda: produce_video(args, protocol, out), out, lambda results: write_report(results, report))
    if code == 0:
        print(f"videos: {videos}/" + (f"\nreport: {report / 'report.html'}" if protocol.kind == "ma_video" else ""))
    return code


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    kind = get_protocol(args.protocol).kind
    if kind == "animation" and args.method is not None:
        raise UsageError(f"--method: {args.protocol} animates GT clips' own pose: give --appearance, not --method")
    if kind != "animation" and args.method is None:
        raise UsageError(f"--method: required for {args.protocol} (one of {', '.join(available_methods())})")
    if kind in ("ma_video", "animation"):
        return run_video(args)
    data = require_dir(args.data, "--data") if args.data is not None else SAMPLE_ROOT
    out = args.out or default_out(args, video=False)

    def produce() -> dict:
        protocol = get_protocol(args.protocol)
        if protocol.kind != "motion3d":
            raise UsageError(f"--protocol {protocol.id}: benchmark.run generates for motion3d and ma_video protocols, "
                             f"not {protocol.kind}; score existing outputs with python -m benchmark.evaluate")
        reject_video_options(args, protocol.id)
        method = create_method(args.method, **method_options(args))
        items, gt = load_items(data)
        pred, seconds = generate(method, items, args.seed)
        reference = load_motion_set(args.gt_reference, name="GT reference") if args.gt_reference else None
        log.info("generated %d frames in %.2f s", sum(item.num_frames for item in items), seconds)
        label = " / ".join(x for x in (method.label, SAMPLE_LABEL if args.data is None else None) if x)
        return score_motion3d(
            protocol, gt, pred, reference, BeatSource(music_files={item.id: item.music_path for item in items}),
            method={"name": method.name, "version": method.version,
                    "checkpoint_sha256": method.checkpoint_sha256, "config": method.config},
            n_boot=args.bootstrap, seed=args.seed, label=label or None,
            timing=method.timing(items),
        )

    return run_scoring(produce, out)


if __name__ == "__main__":
    sys.exit(main())
