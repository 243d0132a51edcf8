"""The motion report: benchmark.evaluate on the bundled sample writes PNGs that open and have the expected size."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg

from benchmark.evaluate import main as evaluate
from manifests.sample import SAMPLE_ROOT


def _png_shape(path: Path) -> tuple[int, ...]:
    return mpimg.imread(path).shape


def test_bundled_evaluate_writes_a_report_that_renders(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    code = evaluate([
        "--protocol", "finedance3d@v1", "--gt", str(SAMPLE_ROOT / "motion"), "--pred", str(SAMPLE_ROOT / "motion"),
        "--music", str(SAMPLE_ROOT / "music"), "--bootstrap", "50", "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    results = json.loads(out.read_text())
    report = tmp_path / "results_report"
    items = [i["id"] for i in results["per_item"]]
    assert _png_shape(report / "metrics.png")[:2] == (520, 1200)  # 2 rows x 4 panels of 3 x 2.6 in at 100 dpi
    for seq_id in items[:12]:
        assert _png_shape(report / f"beats_{seq_id}.png")[:2] == (220, 800)
        assert len(results["per_item"][items.index(seq_id)]["beats"]["music"]) > 0
    assert not (report / f"beats_{items[12]}.png").exists()  # only the first 12 items are drawn
    assert "bas_sync" in results["metrics"] and "p=" in results["metrics"]["bas_sync"]["note"]
