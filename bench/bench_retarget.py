"""Report: retargeting a real dancer's mocap onto SMPL-24, bone-direction error of FK(IK(p)) vs p, and speed.

    .venv/bin/python bench/bench_retarget.py [--tsv tests/fixtures/motion/Cyril.tsv] [--repeats 5]

Bones whose parent has one child are solved exactly; bones leaving the pelvis and spine3 (several
children) come from a best-fit rotation, so their error is the source/SMPL rest-shape mismatch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.body.mocap_tsv import read_ram_tsv, smpl24_targets  # noqa: E402
from models.body.retarget import bone_direction_errors, face_z_at_origin, ground, retarget_positions  # noqa: E402
from models.body.skeleton import SMPL24  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=ROOT / "tests/fixtures/motion/Cyril.tsv")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    targets = face_z_at_origin(smpl24_targets(read_ram_tsv(args.tsv, args.fps)))
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        motion = ground(retarget_positions(targets, args.fps))
        times.append(time.perf_counter() - start)
    errors = bone_direction_errors(motion, targets)[:, 1:]  # (T, 23 bones), degrees
    multi = np.array([len(SMPL24.children(SMPL24.parents[j])) > 1 for j in range(1, 24)])
    print(f"{args.tsv.name}: {len(targets)} frames at {args.fps:g} fps retargeted onto SMPL-24")
    print(f"{'bones':<40} {'mean deg':>9} {'max deg':>9}")
    for label, cols in (
        ("single-child bones (exactly determined)", ~multi),
        ("multi-child bones (best fit)", multi),
        ("all 23 bones", np.ones_like(multi)),
    ):
        print(f"{label:<40} {errors[:, cols].mean():>9.3g} {errors[:, cols].max():>9.3g}")
    median = statistics.median(times)
    print(f"retarget time: median {median * 1e3:.1f} ms over {args.repeats} runs ({len(targets) / median:,.0f} frames/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
