"""`python -m curation.build --source internet` on real footage, offline: test videos are cut from the
real demo video (two people) and muxed with real music at test time, so shot cuts and content are known."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from curation.build import main
from curation.download import is_transient
from curation.shots import detect_shots
from manifests.schema import read_manifest
from models.video.encode import ffmpeg_exe
from models.video.io import probe_video
from tests.curation.media_checks import assert_media_match_clip
from tests.golden import REPO

ROOT = REPO
SHARED = Path("/work/shared/assets") if Path("/work/shared/assets").is_dir() else ROOT.parent / "shared" / "assets"
DEMO = SHARED / "video" / "demo.mp4"
MUSIC = SHARED / "music" / "Kevin_MacLeod_-_Vibe_Ace.ogg"  # CC BY 3.0, attribution in the .txt beside it
CUTS = (45, 90)  # frames where the test concatenation changes segment
CONFIG = {"windows": {"min_s": 1.2, "max_s": 2.5}, "download": {"transient_passes": 0, "sleep_interval": 0.0,
          "max_sleep_interval": 0.0, "retries": 0}, "filters": {"min_short_side": 240}}  # fmt: skip


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """Derived test videos: one dancer with music, known cuts, silent, corrupt, truncated, audio-only, 10000x10,
    demo+music."""
    folder = tmp_path_factory.mktemp("internet_media")
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "15"]
    music = ["-ss", "10", "-i", str(MUSIC), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-shortest"]
    # the woman walking alone (frames 130-190), left square of the frame, forwards then backwards: 4 s
    one = "[0:v]trim=start_frame=130:end_frame=190,setpts=PTS-STARTPTS,crop=994:994:0:0,scale=320:320,split[a][b];" \
          "[b]reverse[r];[a][r]concat=n=2,fps=30"  # fmt: skip
    _ffmpeg("-i", str(DEMO), *music[2:4], "-filter_complex", one, "-map", "1:a", *x264, "-c:a", "aac", "-shortest",
            str(folder / "one_dancer.mp4"))  # fmt: skip
    _ffmpeg("-i", str(folder / "one_dancer.mp4"), "-an", "-c", "copy", str(folder / "silent.mp4"))
    parts = [(0, "0:0"), (90, "774:0"), (180, "387:0")]  # different places and times of the scene
    chains = [f"[0:v]trim=start_frame={s}:end_frame={s + 45},setpts=PTS-STARTPTS,crop=994:994:{c},scale=320:320[p{i}]"
              for i, (s, c) in enumerate(parts)]  # fmt: skip
    _ffmpeg("-i", str(DEMO), "-filter_complex", ";".join(chains) + ";[p0][p1][p2]concat=n=3", *x264,
            str(folder / "cuts.mp4"))  # fmt: skip
    _ffmpeg("-i", str(DEMO), *music, "-c:v", "copy", str(folder / "demo_music.mp4"))
    whole = (folder / "one_dancer.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(whole[: len(whole) // 3])
    (folder / "corrupt.mp4").write_bytes(np.random.default_rng(0).bytes(20000))
    _ffmpeg("-i", str(MUSIC), "-t", "3", "-vn", "-c:a", "aac", str(folder / "no_frames.mp4"))
    _ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=10000x10:d=3:r=30", *x264, str(folder / "degenerate.mp4"))
    return {p.stem: p for p in folder.iterdir()}


def _build(out: Path, tmp_path: Path, *extra: str, config: dict = CONFIG) -> list[dict]:
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    code = main(["--source", "internet", "--out", str(out), "--config", str(config_path), "--workers", "1",
                 "--preview", "2", *extra])  # fmt: skip
    rows = read_manifest(out / "manifest.parquet").to_pylist()
    assert code == (1 if any(r["status"] == "failed" for r in rows) else 0)
    return rows


def _folder(tmp_path: Path, media: dict[str, Path], *names: str) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in names:
        os.symlink(media[name], folder / f"{name}.mp4")
    return folder


@pytest.mark.parametrize("detector", ["adaptive", "transnetv2"])
def test_detected_cuts_are_within_two_frames_of_the_truth(media, detector):
    settings = yaml.safe_load((ROOT / "curation" / "configs" / "internet.yaml").read_text())["shots"]
    shots = detect_shots(str(media["cuts"]), 135, {**settings, "detector": detector})
    assert len(shots) == 3
    for found, truth in zip([s[0] for s in shots[1:]], CUTS):
        assert abs(found - truth) <= 2


def test_two_people_are_rejected_by_the_one_dancer_filter(media, tmp_path):
    rows = _build(tmp_path / "out", tmp_path, "--videos", str(_folder(tmp_path, media, "demo_music")),
                  config={"filters": {"min_short_side": 240}})  # default 5-10 s windows
    windows = [r for r in rows if r["start_s"] is not None]
    assert len(windows) == 1
    row = windows[0]
    assert row["status"] == "rejected" and row["reason"].startswith("one_dancer:")
    assert row["score_one_dancer"] < 0.9 and row["score_audio"] == 1.0 and row["score_full_body"] >= 0.8


def test_one_dancer_clip_is_kept_with_provenance_via_ytdlp_file_urls(media, tmp_path):
    urls = tmp_path / "urls.csv"
    urls.write_text(f"url,genre,tags\n{media['one_dancer'].as_uri()},Jazz,walk;test\n")
    rows = _build(tmp_path / "out", tmp_path, "--urls", str(urls), "--enable-file-urls")
    ok = [r for r in rows if r["status"] == "ok"]
    assert ok, [(r["id"], r["reason"]) for r in rows]
    row = ok[0]
    assert row["platform"] == "Generic" and row["downloader"].startswith("yt-dlp ") and row["genre"] == "Jazz"
    assert row["tags"] == ["walk", "test"] and len(row["source_sha256"]) == 64 and row["downloaded_at"]
    clip = probe_video(tmp_path / "out" / row["video"])
    assert clip.has_audio and abs(clip.duration_s - (row["end_s"] - row["start_s"])) < 0.15
    assert row["score_one_dancer"] >= 0.9 and row["score_motion"] > 0.05 and row["clip_cut"] in ("stream_copy", "reencode")
    keypoints = np.load(tmp_path / "out" / row["keypoints"])
    assert keypoints["coco25"].shape[1:] == (25, 3) and (keypoints["frames"] < row["num_frames"] + 2).all()
    assert_media_match_clip(tmp_path / "out", row)
    assert (tmp_path / "out" / "preview.png").is_file()
    assert "| ok |" in (tmp_path / "out" / "summary.md").read_text()


def test_bad_inputs_become_rows_not_crashes(media, tmp_path):
    folder = _folder(tmp_path, media, "silent", "corrupt", "truncated", "no_frames", "degenerate", "one_dancer")
    urls = tmp_path / "urls.txt"
    urls.write_text("not a url at all\nhttp://127.0.0.1:9/dance.mp4\nfile:///etc/hostname\n")
    rows = _build(tmp_path / "out", tmp_path, "--videos", str(folder), "--urls", str(urls))
    by_source: dict[str, list[dict]] = {}
    for row in rows:  # local videos by file stem, URLs that failed to download by URL
        by_source.setdefault(Path(row["source_file"]).stem if row["source_file"] else row["url"], []).append(row)
    # the first failing filter (the reason lists them all, the first first)
    reasons = {key: {r["reason"].split(":")[0].split(",")[0] for r in group if r["reason"]}
               for key, group in by_source.items()}  # fmt: skip
    assert reasons["corrupt"] == {"unreadable_video"}
    assert reasons["truncated"] == {"unreadable_video"}
    assert reasons["no_frames"] == {"unreadable_video"}  # no video stream at all
    assert reasons["degenerate"] == {"frame_geometry"}  # 10000x10: refused from the header, no 1000-tile pose pass
    assert "audio" in reasons["silent"]
    assert reasons["not a url at all"] == {"unavailable"}
    assert reasons["file:///etc/hostname"] == {"unavailable"}  # file:// refused without --enable-file-urls
    assert reasons["http://127.0.0.1:9/dance.mp4"] == {"download_transient"}
    assert [r["status"] for r in by_source["http://127.0.0.1:9/dance.mp4"]] == ["failed"]
    assert any(r["status"] == "ok" for r in by_source["one_dancer"])
    assert is_transient("HTTP Error 429: Too Many Requests") and not is_transient("Video unavailable")


def test_sigkill_mid_run_then_restart_gives_the_same_manifest(media, tmp_path):
    folder = _folder(tmp_path, media, "one_dancer", "cuts", "silent")
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(CONFIG))
    command = [sys.executable, "-m", "curation.build", "--source", "internet", "--videos", str(folder),
               "--config", str(config_path), "--workers", "1", "--preview", "0"]  # fmt: skip
    subprocess.run([*command, "--out", str(tmp_path / "whole")], cwd=ROOT, check=True, capture_output=True)
    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline and not list((killed / "rows").glob("*.json")):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "manifest.parquet").exists()
    subprocess.run([*command, "--out", str(killed)], cwd=ROOT, check=True, capture_output=True)

    def table(out: Path) -> list[dict]:  # NaN scores (e.g. rhythm without audio) compared as equal
        rows = read_manifest(out / "manifest.parquet").to_pylist()
        return [{k: "nan" if isinstance(v, float) and np.isnan(v) else v for k, v in r.items()} for r in rows]

    assert table(killed) == table(tmp_path / "whole")


def test_ray_executor_gives_the_rows_of_the_local_run(media, tmp_path):
    folder = _folder(tmp_path, media, "one_dancer", "silent")
    local = _build(tmp_path / "local", tmp_path, "--videos", str(folder))
    on_ray = _build(tmp_path / "ray", tmp_path, "--videos", str(folder), "--executor", "ray")

    def key(rows: list[dict]) -> list[tuple]:
        return sorted((r["id"], r["status"], r["reason"], r["start_s"], r["end_s"], r["score_one_dancer"]) for r in rows)

    assert key(on_ray) == key(local) and any(r["status"] == "ok" for r in on_ray)
