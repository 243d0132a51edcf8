"""Internet build outputs that must hold whatever the input: every failing filter in `reason`; manifest, summary
and (empty-state) preview with exit code 0 when nothing is kept or given; pose/face videos; quiet logs."""

from __future__ import annotations

import math
import subprocess
import sys

import pyarrow.parquet as pq

from curation.build import main
from curation.clip_media import MediaTask, clip_media
from curation.filters import failure_reason, failures, thresholds
from curation.internet_build import load_config
from manifests.internet import FILTER_NAMES
from tests.curation.media_checks import assert_media_match_clip
from tests.curation.test_internet_build import DEMO, _build, _ffmpeg, _folder, media  # noqa: F401  (fixture)
from tests.golden import REPO


def test_reason_lists_every_failing_filter_first_one_first():
    marks = thresholds(load_config())
    scores = {name: marks[name] + 1.0 for name in FILTER_NAMES}
    assert failure_reason(scores, marks) is None
    scores.update(one_dancer=0.3, full_body=0.1, rhythm=math.nan)
    assert failures(scores, marks) == ["one_dancer", "full_body", "rhythm"]
    reason = failure_reason(scores, marks)
    assert reason.startswith("one_dancer, full_body, rhythm: scores 0.3 < 0.9, 0.1 < 0.8, nan < 1.2")
    assert failure_reason({**scores, "full_body": 1.0, "rhythm": 2.0}, marks) == "one_dancer: score 0.3 < 0.9"


def test_silent_source_rows_name_audio_first_and_rhythm_too(media, tmp_path):
    rows = _build(tmp_path / "out", tmp_path, "--videos", str(_folder(tmp_path, media, "silent")))
    windows = [r for r in rows if r["start_s"] is not None and r["status"] == "rejected"]
    assert windows and all(r["reason"].startswith("audio, ") and "rhythm" in r["reason"] for r in windows)


def test_all_rejected_and_empty_builds_write_manifest_summary_and_preview(media, tmp_path):
    for name, folder in [("rejected", _folder(tmp_path, media, "corrupt", "no_frames")), ("empty", tmp_path / "none")]:
        folder.mkdir(exist_ok=True)
        out = tmp_path / name
        assert main(["--source", "internet", "--videos", str(folder), "--out", str(out), "--workers", "1"]) == 0
        table = pq.read_table(out / "manifest.parquet")
        assert table.num_rows == (2 if name == "rejected" else 0)
        assert set(table.column("status").to_pylist()) <= {"rejected"}
        assert "0 clips kept" in (out / "summary.md").read_text()
        image = (out / "preview.png").read_bytes()
        assert image.startswith(b"\x89PNG") and len(image) > 1000


def test_media_stage_matches_the_clip_and_resumes(tmp_path):
    clip = tmp_path / "clips" / "c" / "video.mp4"
    clip.parent.mkdir(parents=True)
    # odd size (as a stream-copied phone clip can be) at 25 fps: the pose video is 180x320
    _ffmpeg("-ss", "2", "-t", "1", "-i", str(DEMO), "-vf", "crop=316:560:1100:434,scale=181:321", "-r", "25",
            "-c:v", "libx264", "-pix_fmt", "yuv444p", "-preset", "ultrafast", str(clip))
    columns = clip_media(MediaTask(tmp_path, "c", "clips/c/video.mp4"))
    row = {"video": "clips/c/video.mp4", **columns}
    assert_media_match_clip(tmp_path, row)
    assert columns["face_coverage"] > 0.5  # the walking woman's head is seen
    stamps = {p: p.stat().st_mtime_ns for p in clip.parent.iterdir()}
    assert clip_media(MediaTask(tmp_path, "c", "clips/c/video.mp4")) == columns  # resumed from media.json
    assert {p: p.stat().st_mtime_ns for p in clip.parent.iterdir()} == stamps


def test_third_party_logs_are_held_at_warning_unless_debug():
    probe = ("import logging, os, sys; from curation.logs import configure_logging; configure_logging(sys.argv[1]); "
             "print(logging.getLogger('ray').getEffectiveLevel(), logging.getLogger('pyscenedetect').getEffectiveLevel(), "
             "os.environ.get('MACE_NATIVE_LOGS'))")  # fmt: skip
    levels = {level: subprocess.run([sys.executable, "-c", probe, level], capture_output=True, text=True, check=True,
                                    cwd=REPO).stdout.split() for level in ("INFO", "DEBUG")}  # fmt: skip
    assert levels["INFO"] == ["30", "30", "None"] and levels["DEBUG"] == ["10", "10", "1"]
