"""`benchmark.run` on the bundled sample: generate with registered methods, score, write results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.methods import Method, available_methods, create_method, register_method
from benchmark.results import validate
from benchmark.run import SAMPLE_LABEL
from benchmark.run import main as run_main


def _run(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "results.json"
    assert run_main([*args, "--bootstrap", "200", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    validate(results)
    return results


def test_ground_truth_scores_as_its_own_reference(tmp_path: Path) -> None:
    results = _run(tmp_path, "--method", "ground_truth")
    m, ref = results["metrics"], results["reference"]
    assert m["fid_k"]["value"] == pytest.approx(0.0, abs=1e-6)
    assert m["fid_g"]["value"] == pytest.approx(0.0, abs=1e-6)
    for name in ("div_k", "div_g", "bas", "fsr"):
        assert m[name]["value"] == pytest.approx(ref[name]["value"], rel=1e-12), name
    assert results["label"] == SAMPLE_LABEL
    assert results["timing"]["latency_fps"] is None  # replaying data has no generation speed
    assert len(results["per_item"]) == 14


def test_random_motion_is_worse_than_ground_truth_and_timed(tmp_path: Path) -> None:
    gt = _run(tmp_path, "--method", "ground_truth", "--protocol", "aist3d@v1")
    rnd = _run(tmp_path, "--method", "random_motion", "--protocol", "aist3d@v1")
    assert rnd["metrics"]["fid_k"]["value"] > 10 * max(gt["metrics"]["fid_k"]["ci95"][1], 1.0)
    assert rnd["metrics"]["fid_g"]["value"] > gt["metrics"]["fid_g"]["ci95"][1]
    assert rnd["timing"]["latency_fps"] > 0 and rnd["timing"]["throughput_batch"] == 8
    assert rnd["method"]["name"] == "random_motion"


def test_random_motion_is_deterministic_per_seed(tmp_path: Path) -> None:
    a = _run(tmp_path, "--method", "random_motion", "--seed", "3")
    b = _run(tmp_path, "--method", "random_motion", "--seed", "3")
    c = _run(tmp_path, "--method", "random_motion", "--seed", "4")
    assert a["metrics"] == b["metrics"]
    assert a["metrics"]["fid_k"]["value"] != c["metrics"]["fid_k"]["value"]


def test_registry_accepts_new_methods_and_rejects_unknown_names() -> None:
    @register_method("test_constant_pose")
    class ConstantPose(Method):
        def generate(self, items, seed):
            raise AssertionError("not called here")

    assert "test_constant_pose" in available_methods()
    assert create_method("test_constant_pose").name == "test_constant_pose"
    with pytest.raises(ValueError, match="already registered"):
        register_method("test_constant_pose")(ConstantPose)
    with pytest.raises(ValueError, match="--method nope: unknown method.*ground_truth"):
        create_method("nope")


def test_unknown_data_folder_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run_main(["--method", "ground_truth", "--data", str(tmp_path / "missing")]) == 1
    assert "missing: no such folder (--data)" in capsys.readouterr().err
