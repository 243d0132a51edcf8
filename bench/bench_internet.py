"""Frames per second of source video through the internet curation stages, on 720p input.

    .venv/bin/python bench/bench_internet.py [--seconds 20] [--repeats 3]

Builds a 720p/30 fps test source from the repo's stand-in dance footage (640x360 scaled up, played
forwards and backwards, with real music), then times each stage of `process_source` on it in this process: shot detection (decode +
AdaptiveDetector), sampled-frame decode, pose (MediaPipe, 2 frames/s), audio rhythm, and the whole
worker end to end (including clip cutting). Prints medians, fps per stage and the projected wall time
of the 88-hour MA-Data internet part on 2 cores and on a 64-core Ray cluster. The media stage of kept
clips (curation/clip_media.py: MediaPipe tracking on every frame + pose video + 512x512 face video) is
timed separately on a 720p clip of `--clip-seconds`, in clip frames per second.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from benchmark.methods.speed import median_seconds
from curation.clip_media import MediaTask, _tracker, clip_media
from curation.internet_build import load_config
from curation.logs import configure_logging
from curation.internet_source import (
    SourceTask,
    _estimator,
    _rhythm_envelope,
    process_source,
    sample_indices,
)
from curation.shots import detect_shots
from manifests.ma_video_test_set import STANDIN_DATA, STANDIN_SOURCE
from models.video.encode import ffmpeg_exe
from models.video.io import probe_video, read_frames_at

HOURS = 88.0


def make_source(folder: Path, seconds: float) -> Path:
    """A 1280x720 30 fps H.264 + AAC source from the stand-in footage (in the repo), `seconds` long."""
    out = folder / "source_720p.mp4"
    loop = "[0:v]scale=1280:720,split[a][b];[b]reverse[r];[a][r]concat=n=2,loop=loop=-1:size=460,fps=30"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-i", str(STANDIN_SOURCE),
                    "-i", str(STANDIN_DATA / "music" / "lets_go_fishin.ogg"), "-filter_complex", loop,
                    "-map", "1:a", "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
                    "-c:a", "aac", str(out)], check=True)  # fmt: skip
    return out


def time_media_stage(source: Path, folder: Path, seconds: float, repeats: int) -> tuple[int, float]:
    """(frames, median seconds) of clip_media on the first `seconds` of the source, redone from scratch each run."""
    clip = folder / "clip.mp4"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-i", str(source), "-t", str(seconds),
                    "-c", "copy", str(clip)], check=True)  # fmt: skip
    info = probe_video(clip)
    _tracker()  # the model load is once per worker, not per clip

    def run() -> None:
        out = Path(tempfile.mkdtemp(dir=folder))
        (out / "clips" / "c").mkdir(parents=True)
        (out / "clips" / "c" / "video.mp4").symlink_to(clip)
        clip_media(MediaTask(out, "c", "clips/c/video.mp4"))

    return info.num_frames or round(info.duration_s * info.fps), median_seconds(run, 0, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the 720p test source")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per stage (median reported)")
    parser.add_argument("--clip-seconds", type=float, default=5.0, help="length of the clip for the media stage")
    args = parser.parse_args()
    configure_logging("WARNING")
    config = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        source = make_source(Path(tmp), args.seconds)
        info = probe_video(source)
        frames = info.num_frames or round(info.duration_s * info.fps)
        shots = detect_shots(str(source), frames, config["shots"])
        picks = np.concatenate([sample_indices(s, e, info.fps, config["pose"]["sample_fps"]) for s, e in shots])
        estimator = _estimator((("estimator", "mediapipe"),))
        images = read_frames_at(source, picks, config["pose"]["max_side"])
        stages = {
            "shots (decode + AdaptiveDetector)": lambda: detect_shots(str(source), frames, config["shots"]),
            "sampled-frame decode": lambda: read_frames_at(source, picks, config["pose"]["max_side"]),
            f"pose ({len(picks)} frames, MediaPipe)": lambda: estimator.estimate(images),
            "audio rhythm": lambda: _rhythm_envelope(source),
        }
        seconds = {name: median_seconds(fn, 0, args.repeats) for name, fn in stages.items()}

        def whole() -> None:
            out = Path(tempfile.mkdtemp(dir=tmp))
            process_source(SourceTask("bench", source.as_uri(), out, config, source))

        seconds["end to end (process_source, incl. clip cutting)"] = median_seconds(whole, 0, args.repeats)
        clip_frames, media_seconds = time_media_stage(source, Path(tmp), args.clip_seconds, args.repeats)
    print(f"source: {frames} frames {info.width}x{info.height} @ {info.fps:g} fps, {len(shots)} shots; "
          f"{os.cpu_count()} CPU cores; median of {args.repeats}")  # fmt: skip
    for name, value in seconds.items():
        print(f"{name:52s} {value:7.2f} s  {frames / value:8.1f} source fps")
    fps = frames / seconds["end to end (process_source, incl. clip cutting)"]
    total = HOURS * 3600 * 30
    cores = os.cpu_count() or 1
    print(f"end to end: {fps:.1f} source fps (target >= 60: {'met' if fps >= 60 else 'NOT met'}, ratio {fps / 60:.2f})")
    print(f"{'media stage (track + pose video + face video)':52s} {media_seconds:7.2f} s  "
          f"{clip_frames / media_seconds:8.1f} clip fps ({clip_frames} frames of a kept 720p clip, separate stage)")
    print(f"88 h internet part ({total / 1e6:.1f} M frames at 30 fps): {total / fps / 3600:.1f} h on this {cores}-core "
          f"machine; {total / (fps * 64 / cores) / 3600:.1f} h on a 64-core Ray cluster (linear in cores, downloads excluded)")


if __name__ == "__main__":
    main()
