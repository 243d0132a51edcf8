"""What the benchmark commands share: turn a scoring run into an exit code, a table and a file."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmark.metrics.appearance import APPEARANCE_METRICS
from benchmark.reports.motion_plots import write_motion_report
from benchmark.results import format_table, write_atomic, write_results
from models.command_line import UsageError, positive_int, require_dir, require_file, require_writable


def run_scoring(produce: Callable[[], dict], out: Path, report: Callable[[dict], None] | None = None) -> int:
    """Call `produce` for a results dict, write it atomically (and `report` it, when given) and print its table.

    An error propagates to the command's `models.command_line.command` wrapper (one line, exit 1) before
    anything is written, so a results file from an earlier run is left untouched.
    """
    require_writable(out, "--out")
    results = produce()
    write_results(results, out)
    write_motion_report(results, out.parent / f"{out.stem}_report")  # plots beside the JSON
    if report is not None:
        report(results)
    print(format_table(results))
    print(f"wrote {out}")
    return 0


METHOD_FLAGS = {"checkpoint": "--checkpoint", "path": "--motions"}  # create_method option -> the flag giving it


def method_options(args: argparse.Namespace) -> dict[str, str]:
    """The create_method options a command line gives (a checkpoint, a motions folder), each checked to be one
    the method reads and to name an existing file or folder: UsageError / InputError before anything loads."""
    from benchmark.methods import available_methods, takes_option  # the models behind them load only here

    options = {}
    if getattr(args, "checkpoint", None) is not None:
        options["checkpoint"] = str(require_file(args.checkpoint, "--checkpoint"))
    if getattr(args, "motions", None) is not None:
        options.update(path=str(require_dir(args.motions, "--motions")), layout=args.motions_format)
    unused = [flag for option, flag in METHOD_FLAGS.items() if option in options and not takes_option(args.method, option)]
    if unused:
        readers = {flag: [m for m in available_methods() if takes_option(m, option)] for option, flag in METHOD_FLAGS.items()}
        raise UsageError("; ".join(f"{flag}: --method {args.method} does not read it (only {', '.join(readers[flag])} do)"
                                   for flag in unused))  # fmt: skip
    return options


def parse_weights(items: Sequence[str]) -> dict[str, Path]:
    """DIM=PATH command-line items as a dict; UsageError naming a malformed item."""
    weights = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--weights: takes DIMENSION=PATH, got {item!r}")
        weights[name] = Path(path)
    return weights


def add_common_arguments(parser: argparse.ArgumentParser, out: str, bootstrap: int) -> None:
    """--dimensions, --weights, --device, --bootstrap, --out, -v: what the appearance commands share."""
    parser.add_argument("--dimensions", nargs="+", default=list(APPEARANCE_METRICS), choices=list(APPEARANCE_METRICS))
    parser.add_argument("--weights", nargs="*", default=[], metavar="DIM=PATH",
                        help="backbone file per dimension (else its environment variable or $MACE_BENCH_WEIGHTS)")
    parser.add_argument("--device", default="cpu", help="device for our metrics")
    parser.add_argument("--bootstrap", type=positive_int, default=bootstrap, help="bootstrap resamples for CIs")
    parser.add_argument("--out", type=Path, default=Path(out), help="JSON output path")
    parser.add_argument("-v", "--verbose", action="store_true")


def run_command(
    args: argparse.Namespace, produce: Callable[[], dict[str, Any]], render: Callable[[dict[str, Any]], str]
) -> int:
    """Check args.out is writable, call `produce`, write its dict there atomically and print `render` of it."""
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    require_writable(args.out, "--out")
    result = produce()
    write_atomic(args.out, json.dumps(result, indent=2) + "\n")
    print(render(result))
    print(f"wrote {args.out}")
    return 0
