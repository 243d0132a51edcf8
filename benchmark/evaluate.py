"""`python -m benchmark.evaluate`: score existing outputs (GT vs pred motion) under one protocol.

Prints a table with 95% bootstrap CIs and writes results JSON (schema in benchmark/schemas/).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from benchmark.cli import run_scoring
from benchmark.evaluation import BeatSource, score
from benchmark.motion_sets import load_motion_set
from benchmark.protocols.registry import PROTOCOLS, get_protocol

log = logging.getLogger("benchmark.evaluate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.evaluate",
        description="Score predicted dance motion against ground truth under a named protocol "
        "(bug-compatible '@<paper>' ids reproduce published numbers; '@v1' ids are corrected).",
    )
    parser.add_argument("--protocol", required=True, choices=sorted(PROTOCOLS), help="protocol id")
    parser.add_argument("--gt", required=True, type=Path,
                        help="GT: stacked joint positions .npy (N,T,J,3) or a folder of <id>.npy "
                        "(FineDance 315/319/139, EDGE 151) / <id>.pkl (AIST++) / <id>.bvh")
    parser.add_argument("--pred", required=True, type=Path, help="predictions, same forms as --gt")
    parser.add_argument("--gt-reference", type=Path,
                        help="set whose statistics normalise features and anchor FID "
                        "(papers: the whole dataset); default: --gt")
    beats = parser.add_mutually_exclusive_group()
    beats.add_argument("--music", type=Path,
                       help="folder of <id>.wav/.ogg/.mp3 music; beats by the protocol's pipeline")
    beats.add_argument("--gt-beats", type=Path, help="music beats of GT sequences: one-hot (N,T) .npy")
    parser.add_argument("--pred-beats", type=Path, help="music beats of pred sequences: one-hot (N,T) .npy")
    parser.add_argument("--fps", type=float, help="frame rate of stacked positions (folders carry theirs)")
    parser.add_argument("--method-name", default="external", help="name recorded in the results")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for CIs")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--out", type=Path, default=Path("results.json"), help="results JSON path")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if (args.gt_beats is None) != (args.pred_beats is None):
        print("error: --gt-beats and --pred-beats go together", file=sys.stderr)
        return 2

    def produce() -> dict:
        protocol = get_protocol(args.protocol)
        gt = load_motion_set(args.gt, args.fps, "GT")
        pred = load_motion_set(args.pred, args.fps, "pred")
        reference = load_motion_set(args.gt_reference, args.fps, "GT reference") if args.gt_reference else None
        return score(
            protocol, gt, pred, reference, BeatSource.from_args(args.music, args.gt_beats, args.pred_beats),
            method={"name": args.method_name, "version": "external", "checkpoint_sha256": None, "config": {}},
            n_boot=args.bootstrap, seed=args.seed,
        )

    return run_scoring(produce, args.out)

if __name__ == "__main__":
    sys.exit(main())
