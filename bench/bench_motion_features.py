"""Benchmark: vectorised kinetic + geometric motion features vs a per-frame loop of the same definitions.

    .venv/bin/python bench/bench_motion_features.py [--n 100 --frames 1200 --repeats 5 --loop-n 4]

Inputs are plausible dances: seeded smooth sinusoidal SMPL joint rotations through the SMPL-24 FK,
root bouncing and drifting, preprocessed as in `aist3d@bailando` (minus the first-frame root).
The loop baseline follows the reference's per-frame semantics (spec motion_metrics.md sections 1-2);
it is timed on the first --loop-n sequences and extrapolated per sequence to --n.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.metrics.motion.geometric import FEATURES, JOINTS  # noqa: E402
from benchmark.metrics.motion.geometric import geometric_features  # noqa: E402
from benchmark.metrics.motion.kinetic import kinetic_features  # noqa: E402
from benchmark.metrics.motion.preprocess import bailando_positions  # noqa: E402
from models.body.skeleton import SMPL24, fk_axis_angle  # noqa: E402

# ---------------------------------------------------------------- per-frame loop reference


def _window_velocity(p: np.ndarray, i: int, joint: int, frame_time: float) -> np.ndarray:
    total, count = np.zeros(3), 0
    for k in range(-2, 3):
        if i + k - 1 < 0 or i + k >= len(p):
            continue
        total += p[i + k][joint] - p[i + k - 1][joint]
        count += 1
    return total / (count * frame_time)


def _window_acceleration(p: np.ndarray, i: int, joint: int, frame_time: float, ee_bug: bool) -> float:
    total, count = np.zeros(3), 0
    for k in range(-2, 3):
        a = i + k
        if a - 1 < 0 or a + 1 >= len(p):
            continue
        v2 = (p[a + 1][joint] - p[a][joint]) / frame_time
        if ee_bug:
            v1 = p[a][joint] - p[a - 1][joint] / frame_time  # the reference's precedence bug
        else:
            v1 = (p[a][joint] - p[a - 1][joint]) / frame_time
        total += (v2 - v1) / frame_time
        count += 1
    return np.linalg.norm(total / count)


def loop_kinetic_features(p: np.ndarray, frame_time: float = 1 / 60, ee_bug: bool = True) -> np.ndarray:
    """Per-frame loop of the kinetic features of one sequence (T,J,3) -> float32 (3J,)."""
    out = []
    accel_positions = p if ee_bug else p.astype(np.float64)  # the corrected EE runs in float64
    for joint in range(p.shape[1]):
        h_ke = v_ke = energy = 0.0
        for i in range(1, len(p)):
            v = _window_velocity(p, i, joint, frame_time)
            h_ke += np.linalg.norm(np.array([v[0], v[2]])) ** 2
            v_ke += np.linalg.norm(np.array([v[1]])) ** 2
            energy += _window_acceleration(accel_positions, i, joint, frame_time, ee_bug)
        out += [h_ke / (len(p) - 1.0), v_ke / (len(p) - 1.0), energy / (len(p) - 1.0)]
    return np.array(out, dtype=np.float32)


_CONSTANTS = {"zero": [0, 0, 0], "y_unit": [0, 1, 0], "minus_y_unit": [0, -1, 0]}


def _point(frame: np.ndarray, name: str):
    if name in _CONSTANTS:
        return np.array(_CONSTANTS[name])
    if name == "y_min":
        return np.array([0, min(y for (_, y, _) in frame), 0])
    return frame[JOINTS[name]]


def _loop_test(cur: np.ndarray, prev: np.ndarray, kind: str, names, limit, tpf: float) -> bool:
    j1, j2, j3, j4 = (None if n is None else _point(cur, n) for n in names)
    if kind == "angle":
        u, w = j2 - j1, j4 - j3
        angle = np.degrees(np.arccos(np.dot(u, w) / (np.linalg.norm(u) * np.linalg.norm(w))))
        return bool(limit[0] < angle < limit[1])
    if kind == "plane":
        normal = np.cross(j3 - j1, j2 - j1)
        return bool(np.dot(normal, j4 - j1) / np.linalg.norm(normal) > limit)
    if kind == "nplane":
        normal = j2 - j1
        return bool(np.dot(normal, j4 - j3) / np.linalg.norm(normal) > limit)
    if kind == "fast":
        return bool(np.linalg.norm(j1 - _point(prev, names[0])) / tpf > limit)
    p1 = _point(prev, names[0])
    if kind == "move":
        v = (j3 - j1) - (_point(prev, names[2]) - p1)
        direction = j2 - j1
        return bool(np.dot(v, direction) / np.linalg.norm(direction) / tpf > limit)
    v = (j4 - j1) - (_point(prev, names[3]) - p1)  # nmove
    normal = np.cross(j3 - j1, j2 - j1)
    return bool(np.dot(v, normal) / np.linalg.norm(normal) / tpf > limit)


def loop_geometric_features(p: np.ndarray, time_per_frame: float = 1 / 120) -> np.ndarray:
    """Per-frame loop of the 32 geometric features of one sequence (T,J,3) -> float32 (32,)."""
    rows = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for t in range(1, len(p)):
            rows.append([_loop_test(p[t], p[t - 1], *f, time_per_frame) for f in FEATURES])
    return np.array(rows, dtype=np.float32).mean(axis=0)


# ---------------------------------------------------------------- inputs and timing


def make_positions(n: int, frames: int, seed: int = 0, fps: float = 60.0) -> np.ndarray:
    """Seeded plausible dance positions (n,frames,24,3) float32, y-up metres: smooth joint rotations
    + SMPL-24 FK, root turning, swaying and bouncing, lowest point on the floor."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    freq = rng.uniform(0.2, 1.5, (n, 1, 24, 3))
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 24, 3))
    amp = rng.uniform(0.03, 0.3, (n, 1, 24, 3))
    amp[:, :, 0] = [0.1, 0.8, 0.1]  # root: mostly turning about the vertical axis
    axis_angle = amp * np.sin(2 * np.pi * freq * t[None, :, None, None] + phase)
    axis_angle[..., 16, 2] -= 1.1  # arms down from the T-pose rest
    axis_angle[..., 17, 2] += 1.1
    trans = np.stack(
        [
            0.5 * np.sin(2 * np.pi * rng.uniform(0.03, 0.15, (n, 1)) * t),
            0.95 + 0.03 * np.sin(2 * np.pi * rng.uniform(1.0, 2.5, (n, 1)) * t),
            0.5 * np.cos(2 * np.pi * rng.uniform(0.03, 0.15, (n, 1)) * t),
        ],
        axis=-1,
    )
    positions = fk_axis_angle(axis_angle, trans, SMPL24)
    positions[..., 1] -= positions[..., 1].min(axis=(1, 2))[:, None, None]  # lowest foot on the floor
    return positions.astype(np.float32)


def _median_time(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _loop_time(fn, sequences: np.ndarray) -> tuple[float, np.ndarray]:
    """Total seconds of fn over the sequences one by one, and the stacked results."""
    start = time.perf_counter()
    feats = np.stack([fn(p) for p in tqdm(sequences, desc=fn.__name__, leave=False)])
    return time.perf_counter() - start, feats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100, help="sequences for the vectorised path")
    parser.add_argument("--frames", type=int, default=1200, help="frames per sequence (60 fps)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the vectorised path (median)")
    parser.add_argument("--loop-n", type=int, default=4, help="sequences timed with the loop baseline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.n < 1 or args.frames < 3 or not 1 <= args.loop_n <= args.n or args.repeats < 1:
        parser.error("need n >= 1, frames >= 3, 1 <= loop-n <= n, repeats >= 1")

    positions = bailando_positions(make_positions(args.n, args.frames, args.seed))
    fast_k, kinetic = _median_time(lambda: kinetic_features(positions), args.repeats)
    fast_g, geometric = _median_time(lambda: geometric_features(positions), args.repeats)

    subset = positions[: args.loop_n]
    slow_k, kinetic_loop = _loop_time(loop_kinetic_features, subset)
    slow_g, geometric_loop = _loop_time(loop_geometric_features, subset)
    scale = args.n / args.loop_n  # loop time per sequence, extrapolated to all n sequences
    slow_k, slow_g = slow_k * scale, slow_g * scale

    frames_total = args.n * (args.frames - 1)
    header = f"vectorised (median of {args.repeats})"
    print(f"motion features: {args.n} sequences x {args.frames} frames x 24 joints, float32, seed {args.seed}")
    print(f"{'':11s}{header:>28s}{'per-frame loop':>20s}{'speed-up':>10s}")
    for name, fast, slow in (
        ("kinetic", fast_k, slow_k),
        ("geometric", fast_g, slow_g),
        ("both", fast_k + fast_g, slow_k + slow_g),
    ):
        print(
            f"{name:11s}{fast:18.3f} s {1e6 * fast / frames_total:4.1f} us/f"
            f"{slow:9.1f} s {1e3 * slow / frames_total:4.2f} ms/f{slow / fast:8.0f}x"
        )
    print(f"loop baseline timed on {args.loop_n} of {args.n} sequences, extrapolated x{scale:g}")
    identical = True
    for name, fast_feats, loop_feats in (
        ("kinetic", kinetic[: args.loop_n], kinetic_loop),
        ("geometric", geometric[: args.loop_n], geometric_loop),
    ):
        diff = np.abs(fast_feats.astype(np.float64) - loop_feats)
        rel = diff / np.maximum(np.abs(loop_feats), np.finfo(np.float32).tiny)
        same = np.mean(fast_feats == loop_feats)
        identical &= bool(same == 1.0)
        print(f"{name:9s} vs loop: max abs diff {diff.max():.3g}, max rel diff {rel.max():.3g}, "
              f"identical values {same:.2%}")
    if not identical:
        print("FAIL: vectorised features differ from the per-frame loop")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
