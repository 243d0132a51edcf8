"""Audio cutting (sample-exact, soundfile) and H.264 + AAC encoding (ffmpeg), both written atomically."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import soundfile as sf

from models.files import atomic_path, atomic_write

VIDEO_CODEC_ARGS = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p")
AUDIO_CODEC_ARGS = ("-c:a", "aac", "-b:a", "160k")


@functools.cache
def ffmpeg_exe() -> str:
    """The system ffmpeg, else the one bundled with imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def encoder_description() -> str:
    """'ffmpeg <version> libx264 ... + aac ...' for provenance."""
    first_line = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True, check=True).stdout
    version = first_line.split()[2] if first_line.startswith("ffmpeg version") else "unknown"
    return f"ffmpeg {version} {' '.join(VIDEO_CODEC_ARGS[1::2])} + {' '.join(AUDIO_CODEC_ARGS[1::2])}"


def cut_audio(music: Path, start_s: float, duration_s: float, out: Path) -> int:
    """Write music[start, start + duration) as 16-bit WAV (channels and rate kept); returns samples written.

    Raises ValueError, naming the file, when the music is unreadable or ends before the clip does.
    """
    try:
        info = sf.info(str(music))
        start = round(start_s * info.samplerate)
        count = round(duration_s * info.samplerate)
        data, rate = sf.read(str(music), start=start, frames=count, always_2d=True, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as error:
        raise ValueError(f"{music}: unreadable music ({error})") from error
    if len(data) < count:
        ends = info.frames / info.samplerate
        raise ValueError(f"{music}: music ends at {ends:.2f} s, before the clip end {start_s + duration_s:.2f} s")
    atomic_write(out, lambda handle: sf.write(handle, data, rate, format="WAV", subtype="PCM_16"))
    return len(data)


def encode_video(
    out: Path, frames: Iterable[np.ndarray], fps: float, width: int, height: int, audio: Path | None = None
) -> int:
    """Encode RGB uint8 frames (H,W,3) to H.264 MP4 (muxing `audio` as AAC if given); returns the frame count.

    ffmpeg writes a temp file in the target folder that replaces `out` only on success.
    """
    if width % 2 or height % 2:
        raise ValueError(f"H.264 (yuv420p) needs an even frame size, got {width}x{height}")
    command = [ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-framerate", f"{fps:g}", "-i", "-"]  # fmt: skip
    if audio is not None:
        command += ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0", *AUDIO_CODEC_ARGS]
    count = 0
    with atomic_path(out) as tmp, tempfile.TemporaryFile() as log:
        process = subprocess.Popen([*command, *VIDEO_CODEC_ARGS, "-movflags", "+faststart", "-f", "mp4", str(tmp)],
                                   stdin=subprocess.PIPE, stderr=log)  # fmt: skip
        try:
            for frame in frames:
                if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
                    raise ValueError(
                        f"{out}: frame {count} is {frame.shape} {frame.dtype}, expected ({height},{width},3) uint8"
                    )
                process.stdin.write(np.ascontiguousarray(frame).tobytes())
                count += 1
        except BrokenPipeError:
            pass  # ffmpeg exited early: its exit code and log say why
        finally:
            process.stdin.close()
            code = process.wait()
        if code != 0:
            log.seek(0)
            raise RuntimeError(f"{out}: ffmpeg failed ({code}): {log.read().decode(errors='replace')[-2000:]}")
        if count == 0:
            raise ValueError(f"{out}: no frames to encode")
    return count
