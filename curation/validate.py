"""Precision and recall of the internet filters on the labelled validation set (curation/validation_set.py).

    python -m curation.validate [--out outputs/curation_validation] [--config my.yaml] [--cases a,b]

Makes each case video (ffmpeg, from real licensed footage), runs the internet worker (`process_source`:
shots, windows, pose, filters, clips) on it with short windows (1.5-2.5 s, so the 4 s cases give several),
and compares every window with its label: "keep" (precision/recall of kept windows) and each filter
("fails": precision/recall of its rejections, over the windows where it is judged). Writes results.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from curation.filters import failures, thresholds
from curation.internet_build import load_config
from curation.internet_source import SourceTask, process_source
from curation.logs import configure_logging
from curation.validation_set import CASES, Case, make_case
from manifests.internet import FILTER_NAMES
from models.files import atomic_write_text
from models.command_line import ArgumentParser, UsageError, command, require_file, require_writable

logger = logging.getLogger("curation.validate")

WINDOWS = {"min_s": 1.5, "max_s": 2.5}
JUDGED = tuple(name for name in FILTER_NAMES if name != "duplicate")


@dataclass(frozen=True)
class Verdict:
    """One window: its case, span, label and what the filters said."""

    case: str
    clip_id: str
    start_s: float
    end_s: float
    keep_label: bool
    keep_found: bool
    fails_label: tuple[str, ...]
    fails_found: tuple[str, ...]
    unjudged: tuple[str, ...]


def run_case(case: Case, folder: Path, config: dict) -> list[Verdict]:
    """Verdicts of one case's windows and too-short shots (rows without a label are skipped)."""
    video = make_case(case, folder / "videos")
    task = SourceTask(case.name, video.as_uri(), folder / "build" / case.name, config, video)
    marks, verdicts = thresholds(config), []
    for row in process_source(task):
        if row.get("start_frame") is None or not row.get("source_fps"):
            continue  # a source-level row (unreadable video): no span to label
        start_s, end_s = row["start_frame"] / row["source_fps"], row["end_frame"] / row["source_fps"]
        label = case.label_at((start_s + end_s) / 2)
        if label is None:
            continue
        scores = {name: row[f"score_{name}"] for name in JUDGED if row.get(f"score_{name}") is not None}
        verdicts.append(Verdict(case.name, row["id"], start_s, end_s, label.keep, row["status"] == "ok",
                                label.fails, tuple(failures(scores, marks)), label.unjudged))  # fmt: skip
    return verdicts


def precision_recall(pairs: list[tuple[bool, bool]]) -> dict[str, float]:
    """{precision, recall, support, predicted} of the positive class from (label, found) pairs (NaN when undefined)."""
    hits = sum(label and found for label, found in pairs)
    found, positive = sum(f for _, f in pairs), sum(label for label, _ in pairs)
    return {"precision": hits / found if found else math.nan, "recall": hits / positive if positive else math.nan,
            "support": positive, "predicted": found, "windows": len(pairs)}  # fmt: skip


def metrics(verdicts: list[Verdict]) -> dict[str, dict[str, float]]:
    """Precision/recall of "keep" and of each judged filter's rejections."""
    table = {"keep": precision_recall([(v.keep_label, v.keep_found) for v in verdicts])}
    for name in JUDGED:
        table[name] = precision_recall([(name in v.fails_label, name in v.fails_found)
                                        for v in verdicts if name not in v.unjudged])  # fmt: skip
    return table


def format_table(table: dict[str, dict[str, float]]) -> str:
    """Plain-text table: class, precision, recall, positives, predicted positives, windows."""
    lines = [f"{'class':22s} {'precision':>9s} {'recall':>7s} {'labelled':>8s} {'found':>6s} {'windows':>7s}"]
    for name, m in table.items():
        what = name if name == "keep" else f"{name} (rejects)"
        lines.append(f"{what:22s} {m['precision']:9.2f} {m['recall']:7.2f} {m['support']:8d} {m['predicted']:6d} "
                     f"{m['windows']:7d}")  # fmt: skip
    return "\n".join(lines)


def validate(out: Path, config: dict, names: list[str] | None = None) -> tuple[list[Verdict], dict]:
    """Run the chosen cases (all by default) under `out`; returns the verdicts and the metrics table."""
    cases = [c for c in CASES if names is None or c.name in names]
    config = {**config, "windows": {**config["windows"], **WINDOWS}}
    verdicts = [v for case in tqdm(cases, desc="validation cases", unit="case") for v in run_case(case, out, config)]
    return verdicts, metrics(verdicts)


def case_names(text: str | None) -> list[str] | None:
    """The names given to --cases (None: all), UsageError for a name that is not a case."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in {c.name for c in CASES}]
    if unknown or not names:
        raise UsageError(f"--cases: unknown validation case(s) {', '.join(unknown) or repr(text)}; "
                         f"expected some of {', '.join(c.name for c in CASES)}")  # fmt: skip
    return names


@command
def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m curation.validate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("outputs/curation_validation"), help="work folder")
    parser.add_argument("--config", type=Path, help="YAML overriding curation/configs/internet.yaml")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    args = parser.parse_args(argv)
    names = case_names(args.cases)
    require_writable(args.out, "--out", folder=True)
    config = load_config(require_file(args.config, "--config") if args.config else None)
    configure_logging(args.log_level)
    verdicts, table = validate(args.out.resolve(), config, names)
    for v in verdicts:
        mark = "ok " if v.keep_label == v.keep_found and set(v.fails_label) <= set(v.fails_found) else "BAD"
        logger.info("%s %-18s %5.2f-%5.2f s label %-30s found %s", mark, v.case, v.start_s, v.end_s,
                    "keep" if v.keep_label else "reject " + ",".join(v.fails_label),
                    "keep" if v.keep_found else "reject " + ",".join(v.fails_found))  # fmt: skip
    text = format_table(table)
    print(text)  # the command's result, on stdout
    results = {"cases": [c.name for c in CASES], "metrics": table, "windows": [v.__dict__ for v in verdicts]}
    atomic_write_text(args.out / "results.json", json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
