"""`benchmark.appearance_scoring --precision`: the choice reaches every backbone and the results JSON says how
each dimension computed; a bad value is a usage error."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import torch

from benchmark.appearance_scoring import main
from benchmark.metrics.appearance import APPEARANCE_METRICS
from benchmark.metrics.appearance.consistency import background_consistency
from tests.benchmark.pipelines.test_appearance_prefetch import TINY_CLIP, clip

DIMENSIONS = ["background_consistency", "temporal_flickering"]


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("videos")
    clip(folder / "a.mp4", 0, 4)
    clip(folder / "b.mp4", 60, 4)
    return folder


@pytest.fixture
def tiny_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    """background_consistency with a tiny random CLIP (the real-size one costs seconds per frame on CPU)."""
    monkeypatch.setitem(APPEARANCE_METRICS, "background_consistency", functools.partial(background_consistency, config=TINY_CLIP))


def scored(videos: Path, out: Path, *extra: str) -> dict:
    torch.manual_seed(0)  # the same random CLIP every run
    assert main(["--videos", str(videos), "--dimensions", *DIMENSIONS, "--random-init", "--bootstrap", "10",
                 "--out", str(out), *extra]) == 0  # fmt: skip
    return json.loads(out.read_text())


@pytest.mark.parametrize(("flag", "computes"), [
    ([], "backbone float32 (precision reference)"),  # VBench's CLIP is float32 off CUDA
    (["--precision", "float32"], "backbone float32 (precision float32)"),
    (["--precision", "half"], "backbone autocast bfloat16 (precision half)"),
])  # fmt: skip
def test_the_precision_is_recorded_per_dimension(flag, computes, videos, tmp_path, tiny_clip):
    results = scored(videos, tmp_path / "scores.json", *flag)
    assert results["precision"] == (flag[1] if flag else "reference")
    notes = {name: m["note"] for name, m in results["metrics"].items()}
    assert notes["background_consistency"] == f"VBench aggregate over frames; {computes}"
    assert notes["temporal_flickering"].endswith(f"; no backbone (precision {results['precision']})")


def test_half_moves_scores_a_little_and_float32_not_at_all(videos, tmp_path, tiny_clip):
    value = {p: scored(videos, tmp_path / f"{p}.json", "--precision", p)["metrics"]["background_consistency"]["value"]
             for p in ("reference", "float32", "half")}  # fmt: skip
    assert value["reference"] == value["float32"]
    assert value["half"] == pytest.approx(value["float32"], abs=5e-3)


def test_an_unknown_precision_is_a_usage_error(videos, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--videos", str(videos), "--precision", "fp8", "--out", str(tmp_path / "s.json")])
    assert exit_.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: python -m benchmark.appearance_scoring: argument --precision: invalid choice: 'fp8'")
