"""vbench cross-check: parsing vbench's results JSON, the comparison, the CLI and its errors (no vbench here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from benchmark import vbench_crosscheck as vc
from benchmark.appearance_scoring import main as scoring_main
from models.video.io import read_frames

DEMO = Path("/work/shared/assets/video/demo.mp4")


def _write_mp4(path: Path, frames: np.ndarray) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")))
        container.mux(stream.encode())


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("videos")
    frames = read_frames(DEMO, stop=6)[:, :992:8, :1768:8]  # 124x221 -> even sizes below
    _write_mp4(folder / "a.mp4", frames[:4, :124, :220])
    _write_mp4(folder / "b.mp4", frames[2:, :124, :220])
    (folder / "notes.txt").write_text("not a video")
    return folder


def _vbench_json(path: Path, videos: Path, per_video: dict[str, float], score: float) -> Path:
    """A results file as vbench 0.1.5 writes it: save_json(results_dict, ..., indent=4)."""
    items = [{"video_path": str(videos / name), "video_results": value} for name, value in per_video.items()]
    path.write_text(json.dumps({"temporal_flickering": [score, items]}, indent=4))
    return path


def _ours(videos: Path, tmp_path: Path) -> dict:
    out = tmp_path / "ours.json"
    assert scoring_main(["--videos", str(videos), "--dimensions", "temporal_flickering", "--bootstrap", "50", "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_parse_real_format_and_compare(videos, tmp_path):
    ours = _ours(videos, tmp_path)
    mine = {row["video"]: row["temporal_flickering"] for row in ours["per_item"]}
    offsets = {"a.mp4": 0.001, "b.mp4": -0.002}
    theirs_json = _vbench_json(tmp_path / "crosscheck_eval_results.json", videos,
                               {k: mine[k] + offsets[k] for k in mine}, ours["metrics"]["temporal_flickering"]["value"] + 0.0005)
    parsed = vc.parse_vbench_results(theirs_json, ["temporal_flickering"])
    assert set(parsed["temporal_flickering"].per_video) == {"a.mp4", "b.mp4"}
    out = tmp_path / "cmp.json"
    code = vc.main(["--videos", str(videos), "--dimensions", "temporal_flickering", "--vbench-results", str(theirs_json),
                    "--bootstrap", "20", "--out", str(out)])
    assert code == 0
    rows = {r["video"]: r for r in json.loads(out.read_text())["comparison"]}
    assert rows["*"]["abs_diff"] == pytest.approx(0.0005, abs=1e-12)
    for name, offset in offsets.items():
        assert rows[name]["ours"] == pytest.approx(mine[name], abs=1e-15)
        assert rows[name]["abs_diff"] == pytest.approx(abs(offset), abs=1e-12)


def test_video_sets_must_match(videos, tmp_path):
    theirs = _vbench_json(tmp_path / "r.json", videos, {"a.mp4": 0.99, "c.mp4": 0.98}, 0.985)
    code = vc.main(["--videos", str(videos), "--dimensions", "temporal_flickering", "--vbench-results", str(theirs),
                    "--out", str(tmp_path / "cmp.json")])
    assert code == 1 and not (tmp_path / "cmp.json").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not a readable vbench results JSON"),
        ('{"subject_consistency": [0.9, []]}', "no results for dimension 'temporal_flickering'"),
        ('{"temporal_flickering": [0.9, [{"path": "a.mp4"}]]}', "is not \\[score"),
        ('{"temporal_flickering": 0.9}', "is not \\[score"),
    ],
)
def test_malformed_results_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        vc.parse_vbench_results(path, ["temporal_flickering"])


def test_missing_vbench_python_says_how_to_create_it(videos, tmp_path, capsys):
    missing = tmp_path / "vbench-env" / "bin" / "python"
    code = vc.main(["--videos", str(videos), "--vbench-python", str(missing), "--out", str(tmp_path / "cmp.json")])
    assert code == 1
    err = capsys.readouterr().err
    assert str(missing) in err and "vbench==0.1.5" in err


def test_python_without_vbench_fails_with_its_error(videos, tmp_path):
    with pytest.raises(RuntimeError, match="No module named 'vbench'"):
        vc.run_vbench(Path(sys.executable), videos, ["temporal_flickering"], tmp_path)


def test_unreadable_video_is_named(tmp_path, capsys):
    (tmp_path / "broken.mp4").write_bytes(b"\x00not a video")
    code = scoring_main(["--videos", str(tmp_path), "--dimensions", "temporal_flickering", "--out", str(tmp_path / "o.json")])
    assert code == 1 and "broken.mp4" in capsys.readouterr().err
