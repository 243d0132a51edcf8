"""Bad input to `benchmark.appearance_scoring` and `benchmark.vbench_crosscheck`: one line, early, nothing changed.

Appearance scoring is a batch: a video that cannot be scored is listed under "failed" with its reason and
the rest are scored (`test_a_bad_video_is_a_failed_item`); a folder none of whose videos can be scored is
one error. Broken videos (empty, half-downloaded, 10000x10) are made at test time and cost milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from benchmark.appearance_scoring import main as appearance_main
from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, check_case, parametrize

SCORING = "benchmark.appearance_scoring"
CROSSCHECK = "benchmark.vbench_crosscheck"
FAST = 20.0  # seconds: every case fails on arguments or containers, before a frame is decoded for scoring


def thin_video(path: Path, width: int = 10000, height: int = 10, frames: int = 3) -> Path:
    """A real, decodable `width` x `height` H.264 video of a few grey frames."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=16)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), 128, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def scoring(folder: Path, *extra: str, videos: Path | None = None) -> list[str]:
    """appearance_scoring argv (temporal flickering: no weights) over `videos` (default folder/videos),
    with an earlier results JSON at folder/scores.json."""
    make.earlier_output(folder / "scores.json")
    return ["--videos", str(videos or folder / "videos"), "--dimensions", "temporal_flickering", "--bootstrap", "10",
            "--out", str(folder / "scores.json"), *extra]


def with_videos(*makers) -> callable:
    """A setup: the videos folder holds clip<k>.mp4 made by each maker(path), scored by `scoring`."""
    def setup(folder: Path) -> list[str]:
        for k, maker in enumerate(makers):
            maker(folder / "videos" / f"clip{k}.mp4")
        return scoring(folder)

    return setup


def truncated(path: Path) -> Path:
    return make.truncated_copy(make.STANDIN_VIDEO, path, 0.3)


def good(path: Path) -> Path:
    return make.copy_of(make.STANDIN_VIDEO, path)


def crosscheck(folder: Path, *extra: str, extra_video=None) -> list[str]:
    """vbench_crosscheck argv over one real video (and clip1.mp4 by `extra_video(path)`), with an earlier
    comparison JSON at folder/cmp.json."""
    good(folder / "videos" / "clip0.mp4")
    if extra_video is not None:
        extra_video(folder / "videos" / "clip1.mp4")
    make.earlier_output(folder / "cmp.json")
    return ["--videos", str(folder / "videos"), "--dimensions", "temporal_flickering", "--out", str(folder / "cmp.json"),
            *extra]


CASES = [
    # --- flags and output paths: exit 2
    Case("out-is-folder", SCORING,
         lambda d: (make.earlier_output(d / "res" / "old.json"), ["--videos", str(d), "--out", str(d / "res")])[1],
         2, r"res: is a folder, --out takes a file path", FAST),
    Case("out-read-only", SCORING, lambda d: with_videos(good)(d) + ["--out", make.readonly_target()],
         2, r"results.json: cannot write in .* \(--out\)", FAST),
    Case("bootstrap-zero", SCORING, lambda d: with_videos(good)(d) + ["--bootstrap", "0"],
         2, r"--bootstrap: expected an integer > 0, got '0'", FAST),
    Case("seed-negative", SCORING, lambda d: with_videos(good)(d) + ["--seed", "-1"],
         2, r"--seed: expected an integer >= 0, got '-1'", FAST),
    Case("device-cuda-on-cpu", SCORING, lambda d: with_videos(good)(d) + ["--device", "cuda"],
         2, r"--device cuda: this machine has no CUDA device", FAST),
    Case("weights-for-a-dimension-not-scored", SCORING,
         lambda d: with_videos(good)(d) + ["--weights", f"imaging_quality={make.random_bytes(d / 'w.pth')}"],
         2, r"--weights imaging_quality: not among the dimensions scored \(temporal_flickering\)", FAST),
    # --- the --videos folder
    Case("videos-missing", SCORING, lambda d: scoring(d, videos=d / "nowhere"),
         1, r"nowhere: no such folder \(--videos\)", FAST),
    Case("videos-is-a-file", SCORING, lambda d: scoring(d, videos=good(d / "one.mp4")),
         1, r"one.mp4: is a file, --videos takes a folder", FAST),
    Case("videos-folder-empty", SCORING, lambda d: ((d / "videos").mkdir(), scoring(d))[1],
         1, r"videos: holds no videos \(.mp4.*\) \(--videos\)", FAST),
    # --- broken videos: refused from the container, in milliseconds
    Case("zero-byte-video", SCORING, with_videos(make.empty_file),
         1, r"videos: none of its 1 video\(s\) could be scored; first: .*clip0.mp4: empty file \(0 bytes\)", FAST),
    Case("random-bytes-video", SCORING, with_videos(make.random_bytes),
         1, r"first: .*clip0.mp4: not a readable video", FAST),
    Case("half-downloaded-video", SCORING, with_videos(truncated),
         1, r"first: .*clip0.mp4: truncated: holds \d+ of the 230 frames its header declares", FAST),
    Case("every-video-broken", SCORING, with_videos(make.empty_file, truncated),
         1, r"videos: none of its 2 video\(s\) could be scored; first: .*clip0.mp4: empty file", FAST),
    Case("video-10000x10", SCORING, with_videos(thin_video),
         1, r"first: .*clip0.mp4: frame 10000x10 has aspect ratio 1e\+03 > max_aspect 4", FAST),
    # --- weight files
    Case("weights-random-bytes", SCORING,
         lambda d: with_videos(good)(d)[:-6] + ["--dimensions", "motion_smoothness", "--out", str(d / "scores.json"),
                                                 "--weights", f"motion_smoothness={make.random_bytes(d / 'amt.pth')}"],
         1, r"amt.pth: not a readable AMT-S checkpoint \(UnpicklingError", 40),
    Case("weights-file-missing", SCORING,
         lambda d: with_videos(good)(d)[:-6] + ["--dimensions", "motion_smoothness", "--out", str(d / "scores.json"),
                                                 "--weights", f"motion_smoothness={d / 'absent.pth'}"],
         1, r"absent.pth: no such weight file \(--weights motion_smoothness\)", FAST),
    # --- vbench_crosscheck: same checks, before vbench runs
    Case("crosscheck-results-missing", CROSSCHECK, lambda d: crosscheck(d, "--vbench-results", str(d / "none.json")),
         1, r"none.json: no such file \(--vbench-results\)", FAST),
    Case("crosscheck-python-missing", CROSSCHECK, lambda d: crosscheck(d, "--vbench-python", str(d / "venv" / "python")),
         1, r"python: no such file \(--vbench-python\); create it with", FAST),
    Case("crosscheck-truncated-video", CROSSCHECK,
         lambda d: crosscheck(d, "--vbench-results", str(make.earlier_output(d / "vb.json")),
                              extra_video=truncated),
         1, r"clip1.mp4: truncated", FAST),
]


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_decode_limits_are_set_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$MACE_MAX_DECODE_FRAMES bounds the frames of one video (here below the stand-in's 230); a bad value is named."""
    monkeypatch.setenv("MACE_MAX_DECODE_FRAMES", "100")
    check_case(Case("frame-limit", SCORING, with_videos(good), 1,
                    r"first: .*clip0.mp4: 230 frames, over the 100-frame decode limit \(\$MACE_MAX_DECODE_FRAMES\)", FAST), tmp_path)
    monkeypatch.setenv("MACE_DECODE_TIMEOUT_S", "nan")
    check_case(Case("timeout-value", SCORING, with_videos(good), 1,
                    r"\$MACE_DECODE_TIMEOUT_S: expected a number > 0, got 'nan'", FAST), make.empty_file(tmp_path / "again" / "x").parent)


def test_a_bad_video_is_a_failed_item(tmp_path: Path) -> None:
    """A batch goes on: the good video is scored, the half-downloaded one is listed with its reason; exit 1."""
    good(tmp_path / "videos" / "a_good.mp4")
    truncated(tmp_path / "videos" / "b_cut.mp4")
    out = tmp_path / "scores.json"
    assert appearance_main(scoring(tmp_path)) == 1
    results = json.loads(out.read_text())
    assert [row["video"] for row in results["per_item"]] == ["a_good.mp4"]
    assert results["metrics"]["temporal_flickering"]["n"] == 1
    [failed] = results["failed"]
    assert failed["video"] == "b_cut.mp4" and "truncated" in failed["error"]
