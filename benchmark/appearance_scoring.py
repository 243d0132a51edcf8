"""Score a folder of videos on VBench appearance dimensions: per-video values, set scores, bootstrap CIs.

`python -m benchmark.appearance_scoring --videos DIR [--dimensions ...] [--weights DIM=PATH ...]`; the
scoring itself is `benchmark.pipelines.appearance`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from benchmark.cli import add_common_arguments, parse_weights, run_command
from benchmark.pipelines.appearance import score_folder
from models.command_line import ArgumentParser, command

log = logging.getLogger("benchmark.appearance_scoring")


def format_scores(results: dict[str, Any]) -> str:
    """A plain-text table: dimension, set score, 95% CI, number of videos."""
    lines = [f"{'dimension':<24} {'score':>8} {'95% CI':>22} {'videos':>6}"]
    for name, m in results["metrics"].items():
        ci = "[{:.4f}, {:.4f}]".format(*m["ci95"])
        lines.append(f"{name:<24} {m['value']:>8.4f} {ci:>22} {m['n']:>6}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m benchmark.appearance_scoring",
        description="Score a folder of videos on VBench appearance dimensions (native). See docs/appearance_metrics.md.",
    )
    parser.add_argument("--videos", required=True, type=Path, help="folder of videos")
    parser.add_argument("--random-init", action="store_true", help="random backbones: a wiring check, not a score")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    add_common_arguments(parser, "appearance_scores.json", 1000)
    return parser


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args, lambda: score_folder(args.videos, args.dimensions, parse_weights(args.weights), args.device,
                                                  args.random_init, args.bootstrap, args.seed), format_scores)


if __name__ == "__main__":
    sys.exit(main())
