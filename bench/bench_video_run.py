"""Benchmark: wall time of the README's first command (music -> dance videos -> scores) split by stage.

    .venv/bin/python bench/bench_video_run.py [--repeats 3] [--method mace_dance] [--appearance mannequin] [--warm-cache]

Runs `benchmark.run --protocol ma_video@mace` on the bundled stand-in in this process `--repeats` times and
prints the median seconds of each stage: motion (the motion method), rendering (projection + appearance
render + H.264/AAC encode), keypoints (MediaPipe on generated and GT clips), scoring (ma2d + VBench dims),
other (test-set build, model loading, report) and the total. Each repeat starts from an empty keypoint
cache (a fresh machine) unless --warm-cache. Interpreter start-up and imports are not in the total:
`time` the README command for those.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.pipelines.dance_video import STAGES
from benchmark.run import main as run_main

log = logging.getLogger("bench_video_run")


def one_run(method: str, appearance: str, folder: Path, cache: Path) -> dict[str, float]:
    """Seconds per stage (and 'other', 'total') of one run writing into `folder`."""
    out = folder / "results.json"
    start = time.perf_counter()
    code = run_main(["--method", method, "--protocol", "ma_video@mace", "--appearance", appearance,
                     "--out", str(out), "--keypoint-cache", str(cache)])  # fmt: skip
    total = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"benchmark.run exited {code}")
    stages = json.loads(out.read_text())["timing"]["stage_seconds"]
    return {**stages, "other": total - sum(stages.values()), "total": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--method", default="mace_dance")
    parser.add_argument("--appearance", default="mannequin")
    parser.add_argument("--warm-cache", action="store_true", help="keep keypoints between repeats (GT extracted once)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(args.repeats):
            cache = Path(scratch) / ("keypoints" if args.warm_cache else f"keypoints{k}")
            runs.append(one_run(args.method, args.appearance, Path(scratch) / f"run{k}", cache))
            log.warning("run %d: %s", k, {s: round(v, 1) for s, v in runs[-1].items()})
    print(f"{args.method}+{args.appearance} on the bundled stand-in, {args.repeats} run(s), "
          f"{'warm' if args.warm_cache else 'cold'} keypoint cache; median seconds:")  # fmt: skip
    for stage in (*STAGES, "other", "total"):
        print(f"  {stage:<10} {statistics.median(r[stage] for r in runs):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
