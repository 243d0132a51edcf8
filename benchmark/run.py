"""`python -m benchmark.run --method NAME`: generate dances for the test items, then score them.

With no `--data` it runs on the bundled sample (one real dancer retargeted to SMPL + real CC-BY
music, in FineDance layout), so a fresh clone produces a results JSON in well under a minute.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from benchmark.cli import run_scoring
from benchmark.inputs.motion_sets import MotionSet, find_music, load_motion_set
from benchmark.methods import Method, TestItem, available_methods, create_method
from benchmark.pipelines.motion3d import BeatSource, score_motion3d
from benchmark.protocols.registry import PROTOCOLS, get_protocol
from manifests.sample import SAMPLE_ROOT

log = logging.getLogger("benchmark.run")

SAMPLE_LABEL = "bundled sample (one real dancer + real music): a smoke test, not a benchmark result"


def load_items(data: Path) -> tuple[list[TestItem], MotionSet]:
    """Test items from a FineDance-layout folder: `motion/<id>.npy` and `music/<id>.<audio>`."""
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
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.run",
        description="Generate with a registered method and score it under a protocol.",
    )
    parser.add_argument("--method", required=True, help=f"one of: {', '.join(available_methods())}")
    parser.add_argument("--protocol", default="finedance3d@v1", choices=sorted(PROTOCOLS))
    parser.add_argument("--data", type=Path, help="FineDance-layout folder (default: bundled sample)")
    parser.add_argument("--gt-reference", type=Path, help="set anchoring normalisation and FID")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", type=Path,
                        help="checkpoint for methods that load one (mace_dance, edge); default: their demo checkpoint")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--out", type=Path, help="results JSON (default: outputs/<method>_<protocol>.json)")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    data = args.data or SAMPLE_ROOT
    out = args.out or Path("outputs") / f"{args.method}_{args.protocol.replace('@', '_at_')}.json"

    def produce() -> dict:
        protocol = get_protocol(args.protocol)
        method = create_method(args.method, **({"checkpoint": str(args.checkpoint)} if args.checkpoint else {}))
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
