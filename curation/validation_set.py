"""A labelled validation set for the internet filters, made at run time from real, licensed footage.

Sources: the Sports2D demo video (real footage of a woman walking and a man on a box, BSD-3-Clause,
/work/shared/assets/video/demo.mp4, see /work/shared/assets/README.md) and its 640x360 copy bundled as
the MA-Data stand-in (manifests/data/ma_video_standin/source.mp4, licenses/Sports2D.NOTICE.txt), with
real music ("Vibe Ace", Kevin MacLeod, CC BY 3.0, manifests/data/ma_video_standin/music/vibe_ace.ogg).
ffmpeg crops them into 9:16 portrait phone-style clips (a crop that follows the walking woman), a
two-person portrait, a caption band just above her feet, a close-up without feet, a shot change, no
audio, low fps, low resolution, a held frame (no motion), a shot too short for a window, and the
landscape originals. Each case labels time spans keep/reject with the filters
that must fail (`fails`); filters in `unjudged` have no truth for that span (e.g. motion when the
"main" person of two is ambiguous). The duplicate filter is never judged (cases share footage).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from models.files import atomic_path
from models.video.encode import ffmpeg_exe

REPO = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/assets") if Path("/work/shared/assets").is_dir() else REPO.parent / "shared" / "assets"
DEMO = SHARED / "video" / "demo.mp4"
STANDIN = REPO / "manifests" / "data" / "ma_video_standin" / "source.mp4"
MUSIC = REPO / "manifests" / "data" / "ma_video_standin" / "music" / "vibe_ace.ogg"
LICENCES = {"demo": "Sports2D demo video, BSD-3-Clause (/work/shared/assets/README.md)",
            "standin": "Sports2D demo footage, BSD-3-Clause (manifests/data/ma_video_standin/licenses/Sports2D.NOTICE.txt)",
            "music": "Vibe Ace, Kevin MacLeod, CC BY 3.0 (manifests/data/ma_video_standin/licenses/Kevin_MacLeod_-_Vibe_Ace.txt)"}  # fmt: skip

# The woman walks right to left at ~294 px/s of the 1768x994 demo; centre x ~1500 at frame 50.
FOLLOW = "crop=316:560:x='1342-294*t':y=434"  # 9:16, head ~y 550, ankles ~y 905 of the source
CLOSE_UP = "crop=170:300:x='1415-294*t':y=500"  # head to thighs: no feet
TWO = "crop=560:994:400:0"  # the man on the box and the woman passing below him
PORTRAIT = "scale=360:640,setsar=1"
CAPTION = ("drawbox=x=0:y=470:w=360:h=50:color=black@0.6:t=fill,"
           + ",".join(f"drawbox=x={20 + 40 * k}:y=485:w=30:h=18:color=white:t=fill" for k in range(8)))  # fmt: skip
BACK_AND_FORTH = "split[a][b];[b]reverse[r];[a][r]concat=n=2"


@dataclass(frozen=True)
class Label:
    """Truth of the windows whose middle lies in [start_s, end_s): kept or not, and which filters must fail."""

    start_s: float
    end_s: float
    fails: tuple[str, ...] = ()
    unjudged: tuple[str, ...] = ()

    @property
    def keep(self) -> bool:
        return not self.fails


@dataclass(frozen=True)
class Case:
    """One validation video: how ffmpeg makes it from the footage, its licence and its labels."""

    name: str
    what: str
    arguments: tuple[str, ...]
    labels: tuple[Label, ...]
    licence: str = field(default=f"{LICENCES['demo']}; music {LICENCES['music']}")

    def label_at(self, middle_s: float) -> Label | None:
        """The label whose span holds `middle_s` (None: unlabelled)."""
        return next((label for label in self.labels if label.start_s <= middle_s < label.end_s), None)


def _demo(chain: str, music: bool = True, fps: int = 30) -> tuple[str, ...]:
    """ffmpeg arguments: filter `chain` on the demo video, optionally with the music, at `fps`."""
    inputs = ("-i", str(DEMO), *(("-i", str(MUSIC)) if music else ()))
    audio = ("-map", "1:a", "-c:a", "aac", "-shortest") if music else ("-an",)
    return (*inputs, "-filter_complex", f"[0:v]{chain},fps={fps}[v]", "-map", "[v]", *audio)


def _trim(start: int, end: int) -> str:
    return f"trim=start_frame={start}:end_frame={end},setpts=PTS-STARTPTS"


ONE = f"{_trim(50, 110)},{FOLLOW},{PORTRAIT},{BACK_AND_FORTH}"  # 4 s, one dancer, whole body
ALL = 100.0
CASES = (
    Case("portrait_one", "9:16 crop following the walking woman, whole body, music", _demo(ONE), (Label(0, ALL),)),
    Case("portrait_caption", "portrait_one with a caption band just above her ankles", _demo(f"{ONE},{CAPTION}"),
         (Label(0, ALL),)),
    Case("portrait_two", "9:16 crop with the man on the box and the woman below him",
         _demo(f"{_trim(95, 150)},{TWO},{PORTRAIT},{BACK_AND_FORTH}"),
         (Label(0, ALL, ("one_dancer",), ("motion", "keypoint_confidence")),)),
    Case("closeup_no_feet", "9:16 close-up of the woman from head to thighs",
         _demo(f"{_trim(50, 110)},{CLOSE_UP},{PORTRAIT},{BACK_AND_FORTH}"), (Label(0, ALL, ("full_body",)),)),
    Case("shot_change", "2 s of portrait_one, a hard cut, then 1.8 s of portrait_two",
         _demo(f"split[x][y];[x]{_trim(50, 110)},{FOLLOW},{PORTRAIT}[p];[y]{_trim(95, 150)},{TWO},{PORTRAIT}[q];"
               "[p][q]concat=n=2"),
         (Label(0, 2.0), Label(2.0, ALL, ("one_dancer",), ("motion", "keypoint_confidence")))),
    Case("no_audio", "portrait_one without a soundtrack", _demo(ONE, music=False),
         (Label(0, ALL, ("audio", "rhythm")),), LICENCES["demo"]),
    Case("low_fps", "portrait_one at 12 fps", _demo(ONE, fps=12), (Label(0, ALL, ("fps",)),)),
    Case("low_resolution", "portrait_one at 180x320", _demo(f"{ONE},scale=180:320"),
         (Label(0, ALL, ("resolution",)),)),
    Case("standing_still", "one frame of portrait_one held for 4 s (a photo, not a dance)",
         _demo(f"{_trim(80, 81)},crop=316:560:1048:434,{PORTRAIT},loop=loop=119:size=1:start=0,setpts=N/30/TB"),
         (Label(0, ALL, ("motion",)),)),
    Case("short_shot", "1 s of portrait_two, a hard cut, then 2.5 s of portrait_one",
         _demo(f"split[x][y];[x]{_trim(95, 125)},{TWO},{PORTRAIT}[p];[y]{_trim(50, 125)},{FOLLOW},{PORTRAIT}[q];"
               "[p][q]concat=n=2"),
         (Label(0, 1.0, ("duration",)), Label(1.0, ALL))),
    Case("landscape_two", "the whole demo video at 640x360 with music: both people",
         _demo("scale=640:360"), (Label(0, ALL, ("one_dancer",), ("motion", "keypoint_confidence", "full_body")),)),
    Case("standin_no_audio", "the bundled stand-in footage as is (640x360, no audio)", ("-i", str(STANDIN), "-an"),
         (Label(0, ALL, ("audio", "one_dancer", "rhythm"), ("motion", "keypoint_confidence", "full_body")),),
         LICENCES["standin"]),
)  # fmt: skip


def make_case(case: Case, folder: Path) -> Path:
    """Encode the case's video into `folder` (H.264, kept when already there); returns its path."""
    out = folder / f"{case.name}.mp4"
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    codec = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-g", "30")
    with atomic_path(out) as tmp:
        result = subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", *case.arguments, *codec,
                                 "-f", "mp4", str(tmp)], capture_output=True, text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"{out}: ffmpeg failed for validation case {case.name}: {result.stderr[-800:]}")
    return out
