"""Build the bundled sample: a tiny FineDance-layout dataset from one real dancer and real music.

    python -m curation.bundled_sample --assets <dir> --out manifests/data/sample

<dir> is the project's asset folder (motion/Cyril.tsv, music/*.ogg with attribution .txt and
LICENSE.librosa-data); `MACE_ASSETS` sets its default. The RAMDanceToolkit take is retargeted onto
SMPL-24 (models.body.retarget) at 30 fps, cut into overlapping 4 s windows, each also left-right
mirrored, and every item is paired with its own 4 s window of a real track. Motion files are
bit-for-bit reproducible on one machine; Vorbis files differ in their random Ogg stream serial
number but decode to the same samples.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from manifests.sample import SAMPLE_FPS, SAMPLE_INDEX, SAMPLE_ROOT
from models.body.formats_finedance import write_finedance
from models.body.mocap_tsv import read_ram_tsv, smpl24_targets
from models.body.motion import Motion
from models.body.retarget import bone_direction_errors, face_z_at_origin, ground, retarget_positions
from models.files import atomic_write
from models.command_line import ArgumentParser, command, require_dir, require_file, require_writable

logger = logging.getLogger(__name__)

MOCAP_FILE = "motion/Cyril.tsv"
WINDOW_FRAMES = 120
NUM_WINDOWS = 7
# Windows 0-3 train, 4 val, 5-6 test (a window and its mirror share a split; windows overlap, so the
# splits are for exercising code paths, not for measuring generalisation).
WINDOW_SPLITS = ("train", "train", "train", "train", "val", "test", "test")
# (file stem in music/, genre of the music). "Let's Go Fishin'" is left out for want of a
# verifiable genre label; the 5 s trumpet loop is too short for distinct windows.
TRACKS = (
    ("Kevin_MacLeod_-_Vibe_Ace", "jazz"),
    ("Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy", "classical"),
    ("Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra)", "classical"),
)
MUSIC_FIRST_START_S = 8.0  # skip intros
MUSIC_STEP_S = 6.0  # successive windows of one track never overlap
MUSIC_LICENSE = "LICENSE.librosa-data"

_MOCAP_NOTICE = """\
Cyril.tsv (take {take}) is motion-capture data from YCAMInterlab/RAMDanceToolkit
(resources/MotionData, https://github.com/YCAMInterlab/RAMDanceToolkit), licensed under the
Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0; the full text is also
in this repository's LICENSE). Modifications: duplicate logger rows dropped, resampled to 30 fps,
retargeted onto the SMPL-24 skeleton by bone-direction IK, cut into 4 s windows, some mirrored.
"""

_README = """\
# Bundled sample (a stand-in, not FineDance)

A tiny dataset in FineDance layout, built from ONE real dancer's motion capture and real music,
so the benchmark and the curation pipeline run end to end without the licensed FineDance data.
It is not FineDance and its numbers say nothing about FineDance.

- `motion/<id>.npy`: (120, 315) float32 at 30 fps, FineDance layout (translation + 52 x 6D; the
  22 body joints carry the dance, hands are identity). Source: the RAMDanceToolkit take "Cyril"
  (Apache-2.0), retargeted onto SMPL-24 by bone-direction IK, facing +z and grounded.
- `music/<id>.ogg`: 4 s, 22050 Hz mono, cut from real tracks (CC BY 3.0 / public domain).
- `sample.json`: per id the source mocap window (30 fps frames), whether it is mirrored, the music
  track and its start/end seconds, the music's genre and the split.
- `licenses/`: attribution for every track used, the librosa-data licence, the mocap notice.

The music is paired with the motion arbitrarily (the dancer did not dance to it), so beat-alignment
scores on this sample are a code-path check, not a measurement.

Rebuild: `python -m curation.bundled_sample --assets <asset folder> --out manifests/data/sample`.
"""


@dataclass(frozen=True)
class SampleItem:
    """One sample entry as written to sample.json."""

    motion: str
    music: str
    frames: int
    source_window: dict
    mirrored: bool
    music_source: str
    music_start_s: float
    music_end_s: float
    genre: str
    split: str


def window_starts(total_frames: int) -> list[int]:
    """NUM_WINDOWS evenly spaced start frames of WINDOW_FRAMES-long windows inside the take."""
    if total_frames < WINDOW_FRAMES:
        raise ValueError(f"the take has {total_frames} frames, fewer than one {WINDOW_FRAMES}-frame window")
    return [int(s) for s in np.linspace(0, total_frames - WINDOW_FRAMES, NUM_WINDOWS).round()]


def plan_items(total_frames: int) -> dict[str, SampleItem]:
    """The sample's items by id: each window as captured then mirrored, each with its own music window."""
    items = {}
    duration = WINDOW_FRAMES / SAMPLE_FPS
    for w, start in enumerate(window_starts(total_frames)):
        for mirrored in (False, True):
            n = len(items)
            item_id = f"s{n + 1:03d}"
            track, genre = TRACKS[n % len(TRACKS)]
            music_start = MUSIC_FIRST_START_S + MUSIC_STEP_S * (n // len(TRACKS))
            items[item_id] = SampleItem(
                motion=f"motion/{item_id}.npy",
                music=f"music/{item_id}.ogg",
                frames=WINDOW_FRAMES,
                source_window={
                    "file": Path(MOCAP_FILE).name,
                    "start_frame": start,
                    "end_frame": start + WINDOW_FRAMES,
                    "start_s": round(start / SAMPLE_FPS, 6),
                    "end_s": round((start + WINDOW_FRAMES) / SAMPLE_FPS, 6),
                },
                mirrored=mirrored,
                music_source=f"{track}.ogg",
                music_start_s=music_start,
                music_end_s=music_start + duration,
                genre=genre,
                split=WINDOW_SPLITS[w],
            )
    return items


def retarget_take(mocap: Path) -> tuple[str, Motion]:
    """The take's name and its SMPL-24 motion at 30 fps, facing +z at frame 0, grounded."""
    take = read_ram_tsv(mocap, fps=SAMPLE_FPS)
    targets = face_z_at_origin(smpl24_targets(take))
    motion = ground(retarget_positions(targets, take.fps))
    errors = bone_direction_errors(motion, targets)[:, 1:]
    logger.info(
        "%s: %d frames retargeted; bone-direction error mean %.2f, max %.2f degrees",
        mocap, motion.num_frames, errors.mean(), errors.max(),
    )
    return take.name, motion


def write_motions(motion: Motion, items: dict[str, SampleItem], out: Path) -> None:
    """motion/<id>.npy for every item, cut (and mirrored) from the full retargeted take."""
    for item in items.values():
        window = motion.slice(item.source_window["start_frame"], item.source_window["end_frame"])
        write_finedance(out / item.motion, window.mirror() if item.mirrored else window)


def write_music(music_dir: Path, items: dict[str, SampleItem], out: Path) -> None:
    """music/<id>.ogg cut from the source tracks, plus their attribution files and licence."""
    for item in items.values():
        source = music_dir / item.music_source
        try:
            with sf.SoundFile(source) as track:
                start = round(item.music_start_s * track.samplerate)
                count = round((item.music_end_s - item.music_start_s) * track.samplerate)
                if start + count > track.frames:
                    raise ValueError(f"{source}: window {item.music_start_s}-{item.music_end_s} s runs past the end")
                track.seek(start)
                audio = track.read(count, dtype="float32")
                rate = track.samplerate
        except RuntimeError as error:  # soundfile's LibsndfileError
            raise ValueError(f"{source}: not a readable audio file ({error})") from error
        buffer = io.BytesIO()
        sf.write(buffer, audio, rate, format="OGG", subtype="VORBIS")
        atomic_write(out / item.music, lambda handle: handle.write(buffer.getvalue()))
    for name in sorted({Path(i.music_source).with_suffix(".txt").name for i in items.values()} | {MUSIC_LICENSE}):
        data = (music_dir / name).read_bytes()
        atomic_write(out / "licenses" / name, lambda handle: handle.write(data))


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def build_sample(assets: Path, out: Path) -> dict[str, SampleItem]:
    """Write the whole sample (motion, music, sample.json, README.md, licenses/) into `out`."""
    mocap = assets / MOCAP_FILE
    take, motion = retarget_take(mocap)
    items = plan_items(motion.num_frames)
    write_motions(motion, items, out)
    write_music(assets / "music", items, out)
    _write_text(out / "licenses" / "Cyril.NOTICE.txt", _MOCAP_NOTICE.format(take=take))
    _write_text(out / "README.md", _README)
    index = {
        "description": "A stand-in built from one real dancer and real music, not FineDance.",
        "fps": SAMPLE_FPS,
        "layout": "finedance315",
        "source_motion": {"file": Path(MOCAP_FILE).name, "take": take, "license": "Apache-2.0"},
        "items": {item_id: asdict(item) for item_id, item in items.items()},
    }
    _write_text(out / SAMPLE_INDEX, json.dumps(index, indent=2) + "\n")
    logger.info("wrote %d items to %s", len(items), out)
    return items


@command
def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m curation.bundled_sample",
        description="Build the bundled FineDance-layout sample from the real mocap take and music.",
    )
    parser.add_argument(
        "--assets",
        type=Path,
        default=os.environ.get("MACE_ASSETS"),
        help="asset folder holding motion/Cyril.tsv and music/*.ogg (default: $MACE_ASSETS)",
    )
    parser.add_argument("--out", type=Path, default=SAMPLE_ROOT, help=f"output folder (default: {SAMPLE_ROOT})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.assets is None:
        parser.error("give --assets or set MACE_ASSETS to the folder holding motion/Cyril.tsv and music/")
    require_file(require_dir(args.assets, "--assets") / MOCAP_FILE, "--assets")
    require_dir(args.assets / "music", "--assets")
    require_writable(args.out, "--out", folder=True)
    build_sample(args.assets, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
