"""A 10000x10 video is refused from its header by the commands that decode video, in well under a second of work."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from benchmark.appearance_scoring import main as appearance_main
from models.video.encode import ffmpeg_exe


def test_appearance_scoring_refuses_a_degenerate_video_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=gray:s=10000x10:d=2:r=16", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                    "yuv420p", str(videos / "thin.mp4")], check=True)  # fmt: skip
    started = time.perf_counter()
    code = appearance_main(["--videos", str(videos), "--dimensions", "motion_smoothness", "--random-init",
                            "--out", str(tmp_path / "scores.json")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert "thin.mp4: frame 10000x10 has aspect ratio 1e+03 > max_aspect 4" in err[0]
    assert time.perf_counter() - started < 30 and not (tmp_path / "scores.json").exists()
