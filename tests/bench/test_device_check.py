"""bench/device_check.py: the CPU smoke run fills every section with figures and targets; the budget and the
no-CUDA exit behave as documented. Run in-process through main(argv), the command line's own entry."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

BENCH = Path(__file__).resolve().parents[2] / "bench"
SECTIONS = ("motion_expert_float32", "motion_expert_bfloat16", "appearance_float32", "appearance_half",
            "appearance_precision", "appearance_expert", "lodge_fk_platform")  # fmt: skip
NO_SPEED = ("appearance_precision", "lodge_fk_platform")  # sections whose figure is not a speed
NO_TARGET = ("appearance_precision", "appearance_expert")
BACKBONES = ("imaging_quality", "aesthetic_quality", "subject_consistency", "background_consistency",
             "motion_smoothness", "temporal_flickering", "keypoints")  # fmt: skip


@pytest.fixture(scope="module")
def device_check() -> ModuleType:
    """bench/device_check.py as a module (bench/ is a folder of scripts, not a package)."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("device_check")
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.timeout(240)
def test_cpu_smoke_fills_every_section(device_check: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "smoke.json"
    assert device_check.main(["--cpu-smoke", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["mode"] == "cpu-smoke" and doc["torch"] == torch.__version__
    assert tuple(doc["sections"]) == SECTIONS
    for name, entry in doc["sections"].items():
        assert entry["status"] == "ok", (name, entry.get("error"))
        assert name in NO_SPEED or (entry["median_s"] > 0 and entry["fps"] > 0), name
        assert {"device", "torch", "dtype", "target", "pass"} <= set(entry), name
        assert (entry["target"] is None) == (name in NO_TARGET)
        assert entry["pass"] in ((None,) if entry["target"] is None else (True, False)), name
    assert doc["sections"]["motion_expert_bfloat16"]["dtype"] == "bfloat16"
    for name in ("appearance_float32", "appearance_half"):
        rows = doc["sections"][name]["backbones"]
        assert tuple(rows) == BACKBONES and all(row["median_s"] > 0 for row in rows.values())
        assert doc["sections"][name]["projected_s"] == pytest.approx(200 * 80 / doc["sections"][name]["fps"])
    assert doc["sections"]["appearance_float32"]["backbones"]["subject_consistency"]["input"] == "224x224"
    drift = doc["sections"]["appearance_precision"]["max_abs_diff"]  # smoke: one dimension, CPU half = bfloat16
    assert list(drift) == ["background_consistency"] and 0 < drift["background_consistency"]["half"] < 5e-3
    fk = doc["sections"]["lodge_fk_platform"]  # the smoke run measures its own kernel set only
    assert [run["capability"] for run in fk["runs"]] == [torch.backends.cpu.get_cpu_capability()]
    assert fk["fid_k_rel_error"] < 1.5e-4 and fk["pass"] == (fk["fid_k_rel_error"] <= 1e-5)
    printed = capsys.readouterr().out
    assert all(name in printed for name in SECTIONS)


def test_spent_budget_skips_every_section(device_check: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "skipped.json"
    assert device_check.main(["--cpu-smoke", "--budget-s", "-1", "--out", str(out)]) == 1
    sections = json.loads(out.read_text())["sections"]
    assert tuple(sections) == SECTIONS
    assert all(s["status"] == "skipped" and "budget" in s["reason"] and s["pass"] is None for s in sections.values())


def test_failing_section_is_recorded_and_the_rest_run(device_check: ModuleType, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> dict:
        raise RuntimeError("CUDA out of memory\nsecond line")

    monkeypatch.setattr(device_check, "motion_expert", broken)
    appearance = {"median_s": 1.0, "fps": 80.0, "projected_s": 200.0, "clips": 200}
    monkeypatch.setattr(device_check, "appearance", lambda sizes, dtype: appearance)
    monkeypatch.setattr(device_check, "appearance_expert", lambda sizes: {"median_s": 2.0, "fps": 38.5})
    monkeypatch.setattr(device_check, "appearance_precision", lambda sizes: {"largest_abs_diff": 1e-4, "largest_at": "x"})
    monkeypatch.setattr(device_check, "measure", lambda: {"capability": "AVX2", "error": "ValueError: golden missing"})
    out = tmp_path / "failed.json"
    assert device_check.main(["--cpu-smoke", "--out", str(out)]) == 1
    sections = json.loads(out.read_text())["sections"]
    assert sections["motion_expert_float32"]["error"] == "RuntimeError: CUDA out of memory"
    assert sections["motion_expert_float32"]["status"] == "failed" and sections["motion_expert_float32"]["pass"] is None
    assert sections["appearance_half"]["status"] == "ok" and sections["appearance_half"]["pass"] is True
    assert sections["lodge_fk_platform"]["error"] == "RuntimeError: every kernel set failed: ValueError: golden missing"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without CUDA")
def test_without_cuda_says_so_and_exits_2(device_check: ModuleType, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    assert device_check.main(["--out", str(tmp_path / "x.json")]) == 2
    assert len(caplog.records) == 1 and "no CUDA device" in caplog.records[0].getMessage()
    assert not (tmp_path / "x.json").exists()


def test_failing_backbone_keeps_the_others(device_check: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    def measure(name: str, *args: object) -> dict:
        if name == "motion_smoothness":
            raise ValueError("AMT needs frames of at least 128 px per side")
        return {"median_s": 0.5, "fps": 8.0}

    monkeypatch.setattr(device_check, "measure_backbone", measure)
    figures = device_check.appearance(device_check.smoke_sizes(), torch.float32)
    assert figures["error"] == "motion_smoothness: ValueError: AMT needs frames of at least 128 px per side"
    assert figures["backbones"]["keypoints"] == {"median_s": 0.5, "fps": 8.0} and "median_s" not in figures
