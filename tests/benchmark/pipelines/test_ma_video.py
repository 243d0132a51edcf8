"""ma_video@mace end to end on the bundled stand-in: MediaPipe keypoints, tiny random-init appearance backbones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from benchmark.inputs.keypoint_cache import PoseSource, pose_source
from benchmark.inputs.standin import bundled_standin
from benchmark.metrics.appearance import APPEARANCE_METRICS, AppearanceMetric
from benchmark.metrics.appearance.flickering import TemporalFlickering
from benchmark.pipelines.ma_video import RANDOM_INIT_LABEL, percent_entries, score_ma_video
from benchmark.protocols.ma_video import MA_VIDEO_MACE
from benchmark.reports.ma_video import write_report
from benchmark.results import metric_entry, validate
from leaderboard.boards import get_board
from manifests.ma_video_test_set import STANDIN_CLIPS, STANDIN_LABEL
from models.pose import load_pose_estimator
from models.video.io import read_frames
from models.vision.amt import AMTConfig
from models.vision.clip import ClipVisionConfig
from models.vision.dino import DinoConfig
from models.vision.musiq import MusiqConfig

TINY = {
    "imaging_quality": {"config": MusiqConfig.preset("tiny")},
    "aesthetic_quality": {"config": ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=768)},
    "subject_consistency": {"config": DinoConfig(width=64, depth=1, heads=1, patch=16, image_size=32)},
    "background_consistency": {"config": ClipVisionConfig(width=64, layers=1, patch=32, embed_dim=16)},
    "motion_smoothness": {"config": AMTConfig.preset("tiny")},
    "temporal_flickering": {},
}


FRAMES = 8  # appearance reads only the first frames of each clip here (CPU time); motion reads its 64


@dataclass
class FirstFrames:
    """An appearance metric scoring only the first FRAMES frames (keeps tests fast; VBench reads all)."""

    metric: AppearanceMetric

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def aggregate(self) -> str:
        return self.metric.aggregate

    def score_video(self, frames: np.ndarray) -> np.ndarray:
        return self.metric.score_video(frames[:FRAMES])


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    return bundled_standin(tmp_path_factory.mktemp("standin"))


@pytest.fixture(scope="module")
def results(standin, tmp_path_factory):
    metrics = [FirstFrames(APPEARANCE_METRICS[dim](random_init=True, **TINY[dim])) for _, dim in MA_VIDEO_MACE.appearance]
    method = {"name": "stand-in", "version": "test", "checkpoint_sha256": None, "config": {}}
    pose = PoseSource("mediapipe", lambda: load_pose_estimator("mediapipe"))
    test_set = standin.test_set
    try:
        return score_ma_video(MA_VIDEO_MACE, test_set.video_dir, standin.generated_dir, test_set.audio_dir, pose, metrics,
                              tmp_path_factory.mktemp("keypoints"), method, n_boot=50, seed=0, random_init=True,
                              label=standin.label, manifest=test_set.manifest)
    finally:
        pose.close()


def test_standin_scores_every_table1_metric_with_cis(results):
    validate(results)
    assert list(results["metrics"]) == [m.name for m in MA_VIDEO_MACE.metrics]
    assert results["protocol"]["id"] == "ma_video@mace" and results["protocol"]["pose_estimator"] == "mediapipe"
    for name, m in results["metrics"].items():
        assert m["n"] == len(STANDIN_CLIPS) and m["value"] is not None, name
        assert m["ci95"][0] <= m["value"] <= m["ci95"][1] or name.startswith(("fid", "div")), name
    assert results["metrics"]["fid_k"]["value"] > 0  # generated clips differ from GT
    assert set(results["reference"]) >= {"iq", "tf", "div_k", "bas"}
    labels = results["warnings"][:3]
    assert labels[:2] == [STANDIN_LABEL, RANDOM_INIT_LABEL] and labels[2].startswith("NOT COMPARABLE")
    assert results["label"] == "; ".join(labels)


def test_temporal_flickering_equals_the_metric_run_directly(results, standin):
    direct = [TemporalFlickering().score_video(read_frames(standin.generated_dir / f"{c.id}.mp4")[:FRAMES]).mean()
              for c in STANDIN_CLIPS]
    assert results["metrics"]["tf"]["value"] == pytest.approx(100 * np.mean(direct), rel=1e-12)
    assert [item["tf"] for item in results["per_item"]] == pytest.approx([100 * d for d in direct], rel=1e-12)
    assert results["metrics"]["tf"]["value"] != results["reference"]["tf"]["value"]


def test_report_has_every_clip_and_its_frames(results, tmp_path):
    markdown, page = write_report(results, tmp_path / "report")
    md, html_text = markdown.read_text(), page.read_text()
    for clip in STANDIN_CLIPS:
        assert f"| {clip.id} |" in md and f"<td>{clip.id}</td>" in html_text
        assert len(list((tmp_path / "report" / "frames").glob(f"{clip.id}_*.jpg"))) == 3
    assert RANDOM_INIT_LABEL in md and "NOT COMPARABLE" in html_text and "<script" not in html_text


def test_percent_scaling_multiplies_values_and_cis_by_100():
    entries = {dim: metric_entry(0.6712, (0.6, 0.7), 3, "higher", "VBench") for _, dim in MA_VIDEO_MACE.appearance}
    scaled = percent_entries(MA_VIDEO_MACE, entries)
    assert list(scaled) == ["iq", "aq", "sc", "bc", "ms", "tf"]
    assert scaled["iq"]["value"] == pytest.approx(67.12) and scaled["tf"]["ci95"] == pytest.approx([60.0, 70.0])
    assert "x100" in scaled["aq"]["note"] and entries["imaging_quality"]["value"] == 0.6712  # input untouched


def test_registered_metrics_are_the_leaderboard_boards():
    board = get_board("ma_video@mace")
    assert not board.pending
    assert [(m.name, m.better, m.low, m.high) for m in board.metrics] == [
        (m.name, m.better, m.low, m.high) for m in MA_VIDEO_MACE.metrics]
    assert [m.name for m in board.metrics] == ["iq", "aq", "sc", "bc", "ms", "tf", "fid_k", "fid_g", "div_k", "div_g", "bas"]


def test_vitpose_without_weights_is_a_clear_error():
    with pytest.raises(ValueError, match="--vitpose-checkpoint"):
        pose_source("vitpose")


def test_cli_missing_backbone_fails_naming_the_file(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path / "no-weights"))
    out = tmp_path / "results.json"
    code = evaluate_main(["--protocol", "ma_video@mace", "--gt", str(standin.test_set.video_dir), "--pred", str(standin.generated_dir),
                 "--pose-estimator", "mediapipe", "--out", str(out)])
    assert code == 1 and not out.exists()
    err = capsys.readouterr().err
    assert err.startswith("error:") and str(tmp_path / "no-weights") in err, err


def test_cli_requires_pred_without_standin(standin, tmp_path, capsys):
    assert evaluate_main(["--protocol", "ma_video@mace", "--gt", str(standin.test_set.video_dir), "--random-init", "--out", str(tmp_path / "r.json")]) == 2
    assert "--pred" in capsys.readouterr().err
