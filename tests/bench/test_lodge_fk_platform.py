"""bench/lodge_fk_platform.py: each kernel set really runs in its own process, and the figures are issue 17's."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.timeout(120)
def test_default_kernel_set_runs_in_its_own_process() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        platform = importlib.import_module("lodge_fk_platform")
    finally:
        sys.path.remove(str(BENCH))
    assert platform.cpu_description()["capabilities"][0] == "default"
    run = platform.measure_in_subprocess("default")
    assert run["capability"] == "DEFAULT"  # ATEN_CPU_CAPABILITY reached torch in the child
    assert run["fk_frame0_of"] == 72 and 0 <= run["fk_frame0_equal"] <= 72
    assert run["kinetic_features_of"] == 792 and run["kinetic_features_equal"] > 0
    assert run["fid_k_reference"] == pytest.approx(551.9754250281933)
    assert run["fid_k_rel_error"] == pytest.approx(abs(run["fid_k"] - run["fid_k_reference"]) / run["fid_k_reference"])
    assert run["fid_k_rel_error"] < 1.5e-4  # the golden test's bound on this suite's machines
