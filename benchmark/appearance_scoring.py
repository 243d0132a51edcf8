"""Score a folder of videos on VBench appearance dimensions: per-video values, set scores, bootstrap CIs.

`python -m benchmark.appearance_scoring --videos DIR [--dimensions ...] [--weights DIM=PATH ...]
[--precision reference|float32|half]`; the scoring itself is `benchmark.pipelines.appearance`. A batch: a video that cannot be scored (unreadable,
truncated, outside the frame or decode limits) is listed under "failed" with its reason and the rest are
scored, and the command exits 1 saying how many failed; a folder none of whose videos can be scored is one
error (exit 1, nothing written).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from benchmark.cli import add_common_arguments, parse_weights, run_command
from benchmark.metrics.appearance import PRECISION_HELP, PRECISIONS
from benchmark.pipelines.appearance import check_weight_files, list_videos, score_folder
from models.command_line import ArgumentParser, command, nonnegative_int, require_device, require_writable

log = logging.getLogger("benchmark.appearance_scoring")


def format_scores(results: dict[str, Any]) -> str:
    """A plain-text table: dimension, set score, 95% CI, number of videos; then the videos that failed."""
    lines = [f"{'dimension':<24} {'score':>8} {'95% CI':>22} {'videos':>6}"]
    for name, m in results["metrics"].items():
        ci = "[{:.4f}, {:.4f}]".format(*m["ci95"])
        lines.append(f"{name:<24} {m['value']:>8.4f} {ci:>22} {m['n']:>6}")
    lines += [f"failed: {item['error']}" for item in results.get("failed", [])]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m benchmark.appearance_scoring",
        description="Score a folder of videos on VBench appearance dimensions (native). See docs/appearance_metrics.md.",
    )
    parser.add_argument("--videos", required=True, type=Path, help="folder of videos")
    parser.add_argument("--random-init", action="store_true", help="random backbones: a wiring check, not a score")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="bootstrap seed")
    parser.add_argument("--precision", choices=PRECISIONS, default="reference", help=PRECISION_HELP)
    add_common_arguments(parser, "appearance_scores.json", 1000)
    return parser


def parse_checked(parser: argparse.ArgumentParser, argv: list[str] | None) -> tuple[argparse.Namespace, dict[str, Path]]:
    """Parsed arguments and --weights, with what argument types cannot check refused before any work: an
    unwritable --out, a device this machine lacks, weights for dimensions not scored or missing weight files
    (usage errors first, then input files)."""
    args = parser.parse_args(argv)
    require_writable(args.out, "--out")
    require_device(args.device)
    return args, check_weight_files(parse_weights(args.weights), args.dimensions)


@command
def main(argv: list[str] | None = None) -> int:
    args, weights = parse_checked(build_parser(), argv)
    list_videos(args.videos)  # a missing, file or empty --videos is refused before any model loads
    results: dict[str, Any] = {}

    def produce() -> dict[str, Any]:
        results.update(score_folder(args.videos, args.dimensions, weights, args.device, args.random_init,
                                    args.bootstrap, args.seed, args.precision))
        return results

    run_command(args, produce, format_scores)
    if results["failed"]:  # a batch that finished with failed items exits 1 (docs/errors.md)
        log.warning("%d of %d videos could not be scored (listed under \"failed\" in %s)", len(results["failed"]),
                    len(results["failed"]) + len(results["per_item"]), args.out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
