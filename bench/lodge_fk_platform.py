"""Does this CPU reproduce LODGE's float32 FK bit for bit? Issue 17's open check, one command per machine.

    python bench/lodge_fk_platform.py [--out lodge_fk_platform.json]

For every ATen CPU kernel set this CPU can run (default, avx2, avx512), in a fresh process with
ATEN_CPU_CAPABILITY set: how many of the 72 golden caseF FK coordinates (GT sequence 0, frame 0, joints
0-23) `models.body.lodge_fk` reproduces exactly, the largest difference in float32 ulps, how many of the
792 golden per-sequence kinetic features are bit-equal, and FID_k's relative error against the reference
(target 1e-5). On the AMD EPYC (AVX2) machine this suite is developed on: default 49/72 and FID_k 8.5e-5 off, avx2
46/72 and 8.1e-5; the root joint's child positions show the reference's root rotation is one ulp away from every op-order
variant tried (docs/protocols/finedance3d_at_lodge.md), so a machine where some kernel set prints 72/72 has
the reference's kernels. The device-check machines have 16-core server CPUs: run this there too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmark.metrics.motion.frechet import frechet_distance, normalize  # noqa: E402
from benchmark.metrics.warnings import DegenerateMetricWarning  # noqa: E402
from benchmark.pipelines.motion3d import extract_features  # noqa: E402
from benchmark.protocols.motion3d import FINEDANCE3D_LODGE  # noqa: E402
from models.body.lodge_fk import lodge_smplx_fk  # noqa: E402
from models.files import atomic_write_text  # noqa: E402

CASE = REPO / "tests" / "fixtures" / "golden" / "caseF"
AVX512_FLAGS = {"avx512f", "avx512bw", "avx512vl", "avx512dq"}


def cpu_description() -> dict[str, Any]:
    """The CPU model and which kernel sets it can run (from /proc/cpuinfo; Linux only)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    lines = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    flags = set(lines.get("flags\t\t", lines.get("flags", "")).split())
    capabilities = ["default"] + (["avx2"] if {"avx2", "fma"} <= flags else []) + (["avx512"] if AVX512_FLAGS <= flags else [])
    return {"model": lines.get("model name\t", "?").strip(), "capabilities": capabilities}


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed float32 ulp distance of a from b (same-sign values)."""
    return a.astype(np.float32).view(np.int32).astype(np.int64) - b.astype(np.float32).view(np.int32).astype(np.int64)


def measure() -> dict[str, Any]:
    """This process's kernel set against the golden FK coordinates, kinetic features and FID_k."""
    import torch

    golden = json.loads((CASE / "golden_lodge_caseF.json").read_text())
    motions = {role: np.load(CASE / "inputs" / f"{role}_motion315.npy") for role in ("gt", "pred")}
    ref = np.array(golden["smplx_fk_seq0_gt_frame0_joints0_24"], dtype=np.float32)
    frame = lodge_smplx_fk(motions["gt"][0])[0, :24]
    features, equal_features = {}, 0
    for role, stacked in motions.items():
        joints = {row["name"]: lodge_smplx_fk(stacked[k]) for k, row in enumerate(golden["per_sequence_features"][role])}
        features[role] = extract_features(FINEDANCE3D_LODGE, joints, FINEDANCE3D_LODGE.reference_fps).kinetic
        reference = np.array([row["kinetic66"] for row in golden["per_sequence_features"][role]], dtype=np.float32)
        equal_features += int((features[role] == reference).sum())
    with warnings.catch_warnings():  # 6 sequences for 66 dims: singular, as in the reference; known, not news here
        warnings.simplefilter("ignore", DegenerateMetricWarning)
        norm = normalize(features["gt"], features["pred"], mode=FINEDANCE3D_LODGE.normalization)
        fid_k = frechet_distance(norm.pred, norm.gt, FINEDANCE3D_LODGE.fid_form)
    reference_fid = golden["metrics_finedance.quantized_metrics"]["fid_k"]["real"]
    return {
        "capability": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__,
        "fk_frame0_equal": int((frame == ref).sum()), "fk_frame0_of": int(ref.size),
        "fk_frame0_max_ulp": int(np.abs(ulps(frame, ref)).max()),
        "kinetic_features_equal": equal_features, "kinetic_features_of": 2 * 6 * 66,
        "fid_k": fid_k, "fid_k_reference": reference_fid, "fid_k_rel_error": abs(fid_k - reference_fid) / reference_fid,
    }  # fmt: skip


def measure_in_subprocess(capability: str) -> dict[str, Any]:
    """`measure()` in a fresh interpreter with ATEN_CPU_CAPABILITY=capability (read once at torch import)."""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
    done = subprocess.run([sys.executable, __file__, "--this-process"], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"capability": capability, "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    parser.add_argument("--this-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.this_process:
        print(json.dumps(measure()))
        return 0
    cpu = cpu_description()
    runs = [measure_in_subprocess(capability) for capability in cpu["capabilities"]]
    print(f"CPU {cpu['model']}; kernel sets {', '.join(cpu['capabilities'])}")
    for run in runs:
        if "error" in run:
            print(f"{run['capability']:8s} failed: {run['error']}")
            continue
        verdict = "meets" if run["fid_k_rel_error"] <= 1e-5 else "misses"
        print(f"{run['capability']:8s} FK frame 0: {run['fk_frame0_equal']}/{run['fk_frame0_of']} bit-equal (max "
              f"{run['fk_frame0_max_ulp']} ulp); kinetic features {run['kinetic_features_equal']}/{run['kinetic_features_of']}"
              f" bit-equal; FID_k {run['fid_k']:.4f} vs {run['fid_k_reference']:.4f}, rel {run['fid_k_rel_error']:.1e} "
              f"({verdict} 1e-5)")  # fmt: skip
    if args.out:
        atomic_write_text(args.out, json.dumps({"cpu": cpu, "runs": runs}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
