"""Bad input to `benchmark.evaluate` (3D motion, 2D keypoints from videos, ma_video): one line, early, nothing changed.

Valid parts are the bundled FineDance-layout sample (manifests/data/sample) and the stand-in dance video;
the malformed files (a .npy claiming 10^9 rows, NaN, object arrays, empty and half-downloaded videos,
corrupt audio) are made at test time. Every case that writes results has an earlier results JSON at --out,
which must stay byte-identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, check_case, parametrize
from tests.golden import REPO

SAMPLE = REPO / "manifests" / "data" / "sample"
EVALUATE = "benchmark.evaluate"
FAST = 20.0  # seconds: these fail on arguments or headers, before any model loads or video decodes


def _motion_sets(folder: Path, ids: tuple[str, ...] = ("s001", "s002", "s003")) -> tuple[Path, Path]:
    """GT and pred folders of real sample motions, and an earlier results JSON at folder/results.json."""
    for role in ("gt", "pred"):
        for sequence in ids:
            make.copy_of(SAMPLE / "motion" / f"{sequence}.npy", folder / role / f"{sequence}.npy")
    make.earlier_output(folder / "results.json")
    return folder / "gt", folder / "pred"


def motion3d(folder: Path, *extra: str, music: bool = True) -> list[str]:
    """finedance3d@v1 argv on real sample motions (the caller spoils a file), writing results.json."""
    gt, pred = _motion_sets(folder)
    flags = ["--music", str(SAMPLE / "music")] if music else []
    return ["--protocol", "finedance3d@v1", "--gt", str(gt), "--pred", str(pred), *flags, "--bootstrap", "10",
            "--out", str(folder / "results.json"), *extra]


def with_pred(spoil) -> callable:
    """A setup: motion3d argv after `spoil(pred folder)` replaced or added a file."""
    def setup(folder: Path) -> list[str]:
        argv = motion3d(folder)
        spoil(folder / "pred")
        return argv

    return setup


def video_folders(folder: Path, maker, protocol: str = "ma2d@mace", *extra: str) -> list[str]:
    """GT and pred folders holding one video each made by `maker(path)`, scored under `protocol` with MediaPipe."""
    for role in ("gt", "pred"):
        maker(folder / role / "clip01.mp4")
    make.earlier_output(folder / "results.json")
    return ["--protocol", protocol, "--gt", str(folder / "gt"), "--pred", str(folder / "pred"), "--pose-estimator",
            "mediapipe", "--keypoint-cache", str(folder / "cache"), "--bootstrap", "10",
            "--out", str(folder / "results.json"), *extra]


def emptied(argv: list[str], folder: Path) -> list[str]:
    """`argv` after `folder` was emptied."""
    shutil.rmtree(folder)
    folder.mkdir()
    return argv


def truncated(path: Path) -> Path:
    return make.truncated_copy(make.STANDIN_VIDEO, path, 0.3)


def object_array(path: Path) -> None:
    np.save(path, np.array([{"not": "motion"}, None], dtype=object), allow_pickle=True)


CASES = [
    # --- flags and output paths: exit 2, before anything is read
    Case("missing-pred-flag", EVALUATE, lambda d: motion3d(d)[:4] + ["--bootstrap", "10"],
         2, r"--pred: required by finedance3d@v1", FAST),
    Case("bootstrap-zero", EVALUATE, lambda d: motion3d(d, "--bootstrap", "0"),
         2, r"--bootstrap: expected an integer > 0, got '0'", FAST),
    Case("bootstrap-negative", EVALUATE, lambda d: motion3d(d, "--bootstrap", "-5"),
         2, r"--bootstrap: expected an integer > 0, got '-5'", FAST),
    Case("fps-nan", EVALUATE, lambda d: motion3d(d, "--fps", "nan"),
         2, r"--fps: expected a finite number > 0, got 'nan'", FAST),
    Case("fps-zero", EVALUATE, lambda d: motion3d(d, "--fps", "0"),
         2, r"--fps: expected a finite number > 0, got '0'", FAST),
    Case("gt-beats-without-pred-beats", EVALUATE,
         lambda d: motion3d(d, "--gt-beats", str(make.npy_claiming(d / "beats.npy", (3, 120))), music=False),
         2, r"--gt-beats and --pred-beats go together", FAST),
    Case("option-of-another-kind", EVALUATE, lambda d: motion3d(d, "--pose-estimator", "mediapipe"),
         2, r"--pose-estimator: not used by motion3d protocols \(finedance3d@v1\)", FAST),
    Case("out-is-folder", EVALUATE,
         lambda d: motion3d(d, "--out", str(make.earlier_output(d / "res" / "old.json").parent)),
         2, r"res: is a folder, --out takes a file path", FAST),
    Case("out-read-only", EVALUATE, lambda d: motion3d(d, "--out", make.readonly_target()),
         2, r"results.json: cannot write in .* \(--out\)", FAST),
    Case("device-cuda-on-cpu", EVALUATE,
         lambda d: video_folders(d, truncated, "ma_video@mace", "--device", "cuda"),
         2, r"--device cuda: this machine has no CUDA device", FAST),
    Case("vitpose-without-weights", EVALUATE,
         lambda d: [a for a in video_folders(d, truncated) if a != "mediapipe" and a != "--pose-estimator"],
         2, r"videos under ViTPose need --vitpose-checkpoint", FAST),
    # --- input paths: exit 1 naming the path, before any model loads
    Case("pred-folder-missing", EVALUATE,
         lambda d: [a.replace(str(d / "pred"), str(d / "nowhere")) for a in motion3d(d)],
         1, r"nowhere: no such file or folder \(--pred\)", FAST),
    Case("ma-video-pred-missing", EVALUATE,
         lambda d: [a.replace(str(d / "pred"), str(d / "nowhere")) for a in video_folders(d, truncated, "ma_video@mace")],
         1, r"nowhere: no such folder \(--pred\)", FAST),
    Case("ma2d-pred-is-a-file", EVALUATE,
         lambda d: [a.replace(str(d / "pred"), str(d / "pred" / "clip01.mp4")) for a in video_folders(d, truncated)],
         1, r"clip01.mp4: is a file, --pred takes a folder", FAST),
    Case("gt-folder-empty", EVALUATE,
         lambda d: emptied(motion3d(d), d / "gt"),
         1, r"gt: no motion files \(.npy.*\) in this folder", FAST),
    Case("ma2d-gt-folder-empty", EVALUATE,
         lambda d: emptied(video_folders(d, truncated), d / "gt"),
         1, r"gt: holds no keypoint .json nor video .* \(GT\)", FAST),
    Case("music-folder-missing", EVALUATE,
         lambda d: [a.replace(str(SAMPLE / "music"), str(d / "no_music")) for a in motion3d(d)],
         1, r"no_music: no such folder \(--music\)", FAST),
    # --- malformed motion files: one line naming the file
    Case("npy-header-claims-1e9-rows", EVALUATE,
         with_pred(lambda p: make.npy_claiming(p / "s002.npy", (10**9, 315))),
         1, r"s002.npy: header declares a 1000000000x315 float64 array of .* GiB, over the .* GiB limit", FAST),
    Case("stacked-npy-claims-1e9-rows", EVALUATE,
         lambda d: ["--protocol", "aist3d@bailando", "--gt", str(make.npy_claiming(d / "gt.npy", (10**9, 240, 24, 3))),
                    "--pred", str(make.npy_claiming(d / "pred.npy", (4, 240, 24, 3), 4 * 240 * 24 * 3 * 8)),
                    "--fps", "60", "--bootstrap", "10", "--out", str(make.earlier_output(d / "results.json"))],
         1, r"gt.npy: header declares a 1000000000x240x24x3 float64 array", FAST),
    Case("nan-motion", EVALUATE,
         with_pred(lambda p: np.save(p / "s002.npy", np.full((120, 315), np.nan, np.float32))),
         1, r"s002.npy: .*non-finite values \(NaN/inf\)", FAST),
    Case("wrong-shape-motion", EVALUATE,
         with_pred(lambda p: np.save(p / "s002.npy", np.zeros((120, 7), np.float32))),
         1, r"s002.npy: unknown motion layout \(120, 7\)", FAST),
    Case("object-dtype-motion", EVALUATE, with_pred(lambda p: object_array(p / "s002.npy")),
         1, r"s002.npy: holds Python objects \(dtype object\)", FAST),
    Case("truncated-motion", EVALUATE,
         with_pred(lambda p: make.truncated_copy(SAMPLE / "motion" / "s002.npy", p / "s002.npy", 0.5)),
         1, r"s002.npy: truncated: its header declares shape \(120, 315\)", FAST),
    # --- audio
    Case("corrupt-audio", EVALUATE,
         lambda d: (argv := motion3d(d, music=False),
                    [make.copy_of(SAMPLE / "music" / f"s00{i}.ogg", d / "music" / f"s00{i}.ogg") for i in (1, 2)],
                    make.random_bytes(d / "music" / "s003.ogg"))[0] + ["--music", str(d / "music"),
                                                                       "--beat-cache", str(d / "beats")],
         1, r"s003.ogg: not a readable audio or video file", 40),
    # --- videos: empty and half-downloaded files cost milliseconds, not minutes
    Case("ma2d-zero-byte-videos", EVALUATE, lambda d: video_folders(d, make.empty_file),
         1, r"pred: 0 usable stem\(s\) .* dropped, first: .*clip01.mp4: empty file \(0 bytes\)", FAST),
    Case("ma2d-truncated-videos", EVALUATE, lambda d: video_folders(d, truncated),
         1, r"0 usable stem\(s\) .* first: .*clip01.mp4: truncated: holds \d+ of the 230 frames", FAST),
    Case("ma-video-truncated-videos", EVALUATE, lambda d: video_folders(d, truncated, "ma_video@mace", "--random-init"),
         1, r"pred: 0 stem\(s\) with a usable GT and generated video.*clip01.mp4: truncated", FAST),
    Case("ma-video-weights-random-bytes", EVALUATE,
         lambda d: video_folders(d, truncated, "ma_video@mace", "--weights",
                                 f"bogus_dimension={make.random_bytes(d / 'w.pth')}"),
         2, r"--weights bogus_dimension: not among the dimensions scored", FAST),
]


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
