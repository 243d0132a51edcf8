"""Cut a window out of a source video with ffmpeg: stream copy when it starts on a keyframe, else re-encode.

Audio is kept in the clip (copied or AAC) and also written as 16-bit WAV. Files appear atomically.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np

from models.files import atomic_path
from models.video.encode import AUDIO_CODEC_ARGS, ffmpeg_exe


def keyframe_times(path: Path) -> np.ndarray:
    """Presentation times (s) of the video keyframes, from demuxing only (no decoding)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(p.pts * p.time_base) for p in container.demux(stream) if p.is_keyframe and p.pts is not None]
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    return np.asarray(sorted(times)) - start


def _run_ffmpeg(arguments: list[str], out: Path) -> None:
    """Run ffmpeg writing a temp file beside `out`, renamed over it only on success."""
    with atomic_path(out) as tmp:
        result = subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", *arguments,
                                 "-f", {".mp4": "mp4", ".wav": "wav"}[out.suffix], str(tmp)],
                                capture_output=True, text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"{out}: ffmpeg failed ({result.returncode}): {result.stderr[-1500:]}")


def cut_clip(source: Path, start_s: float, end_s: float, stream_copy: bool, out: Path, crf: int = 18,
             preset: str = "veryfast") -> str:  # fmt: skip
    """Write source[start, end) with its audio to `out` (MP4); returns 'stream_copy' or 'reencode'."""
    window = ["-ss", f"{start_s:.6f}", "-i", str(source), "-t", f"{end_s - start_s:.6f}", "-map", "0:v:0", "-map", "0:a:0?"]
    if stream_copy:
        _run_ffmpeg([*window, "-c", "copy", "-avoid_negative_ts", "make_zero", "-movflags", "+faststart"], out)
        return "stream_copy"
    codec = ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
             "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", *AUDIO_CODEC_ARGS, "-movflags", "+faststart"]  # fmt: skip
    _run_ffmpeg([*window, *codec], out)
    return "reencode"


def extract_audio(source: Path, start_s: float, end_s: float, out: Path) -> None:
    """The soundtrack of source[start, end) as 16-bit WAV (rate and channels kept)."""
    _run_ffmpeg(["-ss", f"{start_s:.6f}", "-i", str(source), "-t", f"{end_s - start_s:.6f}", "-vn", "-map", "0:a:0",
                 "-c:a", "pcm_s16le"], out)  # fmt: skip
