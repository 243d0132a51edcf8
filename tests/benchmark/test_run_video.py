"""`benchmark.run --protocol ma_video@mace`: music -> motion -> dance video (music muxed) -> keypoints -> scores.

The full runs use a fast frame-derived pose model (wiring, not pose quality); MediaPipe, the default, is
checked on a generated mannequin video on its own.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from benchmark import run_video
from benchmark.inputs.keypoint_cache import PoseSource
from benchmark.inputs.keypoint_sets import read_keypoints
from benchmark.inputs.video_items import standin_set
from benchmark.methods import create_method
from benchmark.pipelines.dance_video import StageClock, generate_videos
from benchmark.renderers import RenderSettings, create_renderer
from benchmark.renderers.mannequin import MANNEQUIN_LABEL
from benchmark.results import validate
from benchmark.run import main as run_main
from manifests.ma_video_test_set import STANDIN_CLIPS, STANDIN_DATA
from models.pose import PoseFrames, load_pose_estimator
from models.video.io import read_frames

FPS = 16.0
HAS_EXPERT = Path(__file__).resolve().parents[2].joinpath("models/appearance_expert/generate.py").is_file()


class FramePose:
    """A fast deterministic stand-in pose model: 17 keypoints per frame drawn from a hash of its pixels."""

    name = "framepose"

    def estimate(self, frames: np.ndarray) -> PoseFrames:
        t, h, w = frames.shape[:3]
        seeds = [zlib.crc32(f[::7, ::7].tobytes()) for f in frames]
        xy = np.stack([np.random.default_rng(s).uniform([0, 0], [w, h], (1, 17, 2)) for s in seeds]).astype(np.float32)
        return PoseFrames(xy, np.full((t, 1, 17), 0.9, np.float32), np.full((t, 1), 0.9, np.float32), w, h)


def _fast_pose(name: str, checkpoint: Path | None = None, detector: Path | None = None) -> PoseSource:
    return PoseSource("framepose", FramePose)


def _run(out: Path, *args: str) -> tuple[int, dict | None]:
    code = run_main(["--protocol", "ma_video@mace", "--bootstrap", "50", "--out", str(out),
                     "--keypoint-cache", str(out.parent / "keypoints"), *args])  # fmt: skip
    return code, json.loads(out.read_text()) if code == 0 else None


def _durations(path: Path) -> tuple[int, float, float]:
    """(video frames, video seconds, audio seconds) of a file, by decoding both streams."""
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(audio=0))
        rate = audio.rate
    return frames, frames / FPS, samples / rate


def _check_metrics(results: dict) -> None:
    """Every metric is a number with a CI, or null with a 'not computed: <reason>' note."""
    for name, m in results["metrics"].items():
        if m["value"] is None:
            assert m["note"].startswith("not computed: ") and len(m["note"]) > 30, name
        else:
            assert np.isfinite(m["value"]) and len(m["ci95"]) == 2, name


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> tuple[Path, dict]:
    """The bundled default (mace_dance + mannequin on the stand-in), run once."""
    out = tmp_path_factory.mktemp("default") / "results.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_video, "pose_source", _fast_pose)
        code, results = _run(out, "--method", "mace_dance")
    assert code == 0
    return out, results


def test_bundled_default_makes_one_video_per_item_with_its_music(default_run) -> None:
    out, results = default_run
    validate(results)
    _check_metrics(results)
    assert results["method"]["name"] == "mace_dance+mannequin"
    assert MANNEQUIN_LABEL in results["label"] and "demo, not a reproduction" in results["label"]
    assert [item["id"] for item in results["per_item"]] == [c.id for c in STANDIN_CLIPS]
    for item in results["per_item"]:
        video = Path(item["video"])
        assert video.parent == out.parent / "results_videos"
        frames, video_s, audio_s = _durations(video)
        assert frames == item["frames"] == 80
        assert abs(audio_s - 5.0) <= 1 / FPS and abs(video_s - 5.0) < 1e-9
        keypoints, fps = read_keypoints(Path(item["keypoints"]), 80)
        assert keypoints.shape == (80, 25, 3) and fps == FPS
    assert results["metrics"]["tf"]["value"] is not None  # model-free: always computed
    assert results["metrics"]["fid_k"]["value"] is not None
    timing = results["timing"]
    assert set(timing["stage_seconds"]) == {"motion", "rendering", "keypoints", "scoring"}
    assert timing["motion_fps"] > 0 and timing["appearance_fps"] > 0 and timing["peak_memory_mib"] > 100
    assert timing["seconds_per_clip"] > 0 and timing["device"] == "cpu"


def test_report_plays_the_videos_from_relative_paths(default_run) -> None:
    out, results = default_run
    report = out.parent / "results_report" / "report.html"
    sources = re.findall(r'<video src="([^"]+)"', report.read_text())
    assert len(sources) == len(results["per_item"])
    for src in sources:
        assert not Path(src).is_absolute() and (report.parent / src).is_file()


def test_mediapipe_the_default_pose_model_finds_the_mannequin(default_run) -> None:
    assert run_video.DEFAULT_POSE == "mediapipe"
    _, results = default_run
    frames = read_frames(results["per_item"][0]["video"], stop=12)
    estimator = load_pose_estimator("mediapipe")
    try:
        pose = estimator.estimate(frames)
    finally:
        estimator.close()
    assert (pose.persons_per_frame >= 1).mean() >= 0.9
    assert pose.scores[:, 0].mean() > 0.5


def test_compositions_are_distinct_method_records(default_run, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(run_video, "pose_source", _fast_pose)
    records = {default_run[1]["method"]["name"]: default_run[1]}
    renderers = ["mannequin", "tiny"] if HAS_EXPERT else ["mannequin"]
    for method in ("mace_dance", "random_motion"):
        for appearance in renderers:
            if (method, appearance) == ("mace_dance", "mannequin"):
                continue
            code, results = _run(tmp_path / f"{method}_{appearance}.json", "--method", method, "--appearance", appearance,
                                 "--limit", "2", "--seconds", "4")  # fmt: skip
            assert code == 0, (method, appearance)
            records[results["method"]["name"]] = results
    assert len(records) == 2 * len(renderers)
    for name, results in records.items():
        validate(results)
        _check_metrics(results)
        motion, appearance = results["method"]["config"]["motion"], results["method"]["config"]["appearance"]
        assert name == f"{motion['name']}+{appearance['name']}"
        assert appearance["label"] in results["label"]
    if HAS_EXPERT:
        assert "tests only" in records["random_motion+tiny"]["label"]


def test_thirty_second_mannequin_dance_has_thirty_seconds_of_frames_and_music(tmp_path) -> None:
    full = standin_set(30.0)
    test_set = replace(full, items=full.items[:1])
    renderer = create_renderer("mannequin", RenderSettings(width=144, height=256))
    try:
        generated = generate_videos(create_method("random_motion"), renderer, test_set, None, tmp_path / "videos",
                                    FPS, 0, StageClock())  # fmt: skip
    finally:
        renderer.close()
    clip = generated.clips[STANDIN_CLIPS[0].id]
    frames, video_s, audio_s = _durations(clip.video)
    assert frames == clip.frames == 480 and video_s == 30.0
    assert abs(audio_s - 30.0) <= 1 / FPS
    assert any("looped to 30 s" in note for note in generated.notes)  # the stand-in's music lasts 6 s


def _songs(folder: Path, seconds: float = 6.0) -> Path:
    folder.mkdir()
    for clip in STANDIN_CLIPS[:2]:
        data, rate = sf.read(STANDIN_DATA / "music" / clip.music)
        sf.write(folder / f"{clip.id}.wav", data[: round(seconds * rate)], rate)
    return folder


def test_your_own_songs_get_videos_and_the_scores_that_need_no_gt(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(run_video, "pose_source", _fast_pose)
    code, results = _run(tmp_path / "songs.json", "--method", "random_motion", "--music", str(_songs(tmp_path / "music")),
                         "--seconds", "4")  # fmt: skip
    assert code == 0
    validate(results)
    _check_metrics(results)
    assert results["metrics"]["fid_k"]["value"] is None and "no GT" in results["metrics"]["fid_k"]["note"]
    assert results["metrics"]["bas"]["value"] is not None and results["metrics"]["tf"]["value"] is not None
    assert len(list((tmp_path / "songs_videos").glob("*.mp4"))) == 2


def _fails(tmp_path: Path, capsys: pytest.CaptureFixture, *args: str, code: int = 1) -> str:
    videos = tmp_path / "bad_videos"
    videos.mkdir(exist_ok=True)
    (videos / "earlier.txt").write_text("from an earlier run")
    got, _ = _run(tmp_path / "bad.json", "--method", "random_motion", *args)
    err = capsys.readouterr().err.strip()
    assert got == code and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in videos.iterdir()) == ["earlier.txt"]  # nothing partial, nothing lost
    assert not (tmp_path / "bad.json").exists()
    return err


def test_a_reference_image_that_is_not_an_image_is_named(tmp_path, capsys) -> None:
    image = tmp_path / "ref.png"
    image.write_text("not a png")
    err = _fails(tmp_path, capsys, "--music", str(_songs(tmp_path / "music")), "--image", str(image))
    assert f"{image}: not a readable image" in err


def test_music_shorter_than_a_second_is_named(tmp_path, capsys) -> None:
    songs = _songs(tmp_path / "music", seconds=0.5)
    err = _fails(tmp_path, capsys, "--music", str(songs))
    assert f"{songs / (STANDIN_CLIPS[0].id + '.wav')}: music is 0.50 s long, shorter than 1 s" in err


def test_a_missing_wan_weight_folder_is_named(tmp_path, capsys) -> None:
    missing = tmp_path / "Wan2.2-Animate-14B"
    err = _fails(tmp_path, capsys, "--appearance", "wan_animate", "--wan-weights", str(missing))
    assert str(missing) in err and "--wan-weights" in err


def test_the_wan_folder_may_come_from_its_environment_variable(tmp_path, capsys, monkeypatch) -> None:
    """Without --wan-weights, $MACE_WAN_ANIMATE_DIR is read (here an empty folder: its first missing file is named)."""
    folder = tmp_path / "wan_from_env"
    folder.mkdir()
    monkeypatch.setenv("MACE_WAN_ANIMATE_DIR", str(folder))
    err = _fails(tmp_path, capsys, "--appearance", "wan_animate")
    assert f"{folder / 'model_index.json'}: missing from the Wan-Animate weights folder; pass --wan-weights" in err


def test_video_options_are_refused_by_motion_protocols(capsys) -> None:
    assert run_main(["--method", "random_motion", "--appearance", "tiny"]) == 2
    assert "--appearance: only apply to video protocols" in capsys.readouterr().err


def test_an_unknown_renderer_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown appearance renderer 'nope'; available: mannequin, tiny"):
        create_renderer("nope", RenderSettings())
    with pytest.raises(ValueError, match="even"):
        RenderSettings(width=145, height=256)


def test_ground_truth_needs_gt_motion_which_video_test_sets_lack(tmp_path, capsys) -> None:
    assert "replays GT motion" in _fails(tmp_path, capsys, "--method", "ground_truth", code=2)


def test_another_methods_motion_folder_is_rendered_as_its_own_composition(tmp_path, monkeypatch, capsys) -> None:
    """`--method motion_folder --motions DIR`: motions made elsewhere (here the bundled dancer's), by item id."""
    import shutil

    from manifests.sample import SAMPLE_ROOT

    monkeypatch.setattr(run_video, "pose_source", _fast_pose)
    folder = tmp_path / "their_motions"
    folder.mkdir()
    for k in range(2):
        shutil.copy(SAMPLE_ROOT / "motion" / f"s00{k + 1}.npy", folder / f"standin_00{k}.npy")
    code, results = _run(tmp_path / "folder.json", "--method", "motion_folder", "--motions", str(folder),
                         "--limit", "2", "--seconds", "4")  # fmt: skip
    assert code == 0
    validate(results)
    assert results["method"]["name"] == "motion_folder+mannequin"
    assert results["method"]["config"]["motion"]["config"]["path"] == str(folder)
    assert _durations(tmp_path / "folder_videos" / "standin_000.mp4")[0] == 64  # 4 s at 16 fps
    before = {p.relative_to(tmp_path): p.read_bytes() for p in sorted(tmp_path.glob("folder*/**/*")) if p.is_file()}
    before[Path("folder.json")] = (tmp_path / "folder.json").read_bytes()

    def scoring_fails(*_: object, **__: object) -> None:
        raise ValueError("scoring failed after the new videos were made")

    monkeypatch.setattr(run_video, "score_generated", scoring_fails)
    code, _ = _run(tmp_path / "folder.json", "--method", "motion_folder", "--motions", str(folder), "--limit", "2",
                   "--seconds", "4", "--size", "96x96")  # other pixels: the new videos differ  # fmt: skip
    assert code == 1 and "scoring failed" in capsys.readouterr().err
    after = {p.relative_to(tmp_path): p.read_bytes() for p in sorted(tmp_path.glob("folder*/**/*")) if p.is_file()}
    after[Path("folder.json")] = (tmp_path / "folder.json").read_bytes()
    assert after == before  # the previous run's videos stay with its results
    monkeypatch.undo()
    monkeypatch.setattr(run_video, "pose_source", _fast_pose)
    code, _ = _run(tmp_path / "long.json", "--method", "motion_folder", "--motions", str(folder), "--limit", "1")
    assert code == 1 and "standin_000 has 4.00 s of motion, the item needs 5.00 s" in capsys.readouterr().err
    code, _ = _run(tmp_path / "wrong.json", "--method", "mace_dance", "--motions", str(folder), "--limit", "1")
    assert code == 2 and "--motions: --method mace_dance does not read it (only motion_folder do)" in capsys.readouterr().err
