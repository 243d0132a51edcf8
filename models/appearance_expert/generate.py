"""The Appearance Expert end to end: 3D motion + reference image (+ music) -> dance video, and its CLI.

    python -m models.appearance_expert.generate --motion dance.npy --image ref.png --out video.mp4 \
        [--music song.wav] [--weights WAN_DIR [--adapter Adapter.safetensors] [--lora LoRA.safetensors] | --tiny]

Motion -> Motion Projector (pose video in Wan-Animate's drawing at the video's fps, optionally aligned to the
reference's 2D pose) -> face video (policy in `face.py`) -> relay rendering (`relay.py`) -> H.264 video with
the music as AAC, written atomically, and the pose video beside it (`<out>_pose.mp4`). `--tiny` is a random
tiny Wan-Animate built in code: it proves the wiring on a CPU and produces noise, never a dance.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image

from models.appearance_expert.config import TINY, ModelConfig, RenderConfig, preset
from models.appearance_expert.face import FACE_POLICIES, face_frames, reference_pose
from models.appearance_expert.pipeline import DTYPES, LoadConfig, build_tiny_pipeline, load_pipeline, weights_folder
from models.appearance_expert.projector import ProjectorConfig, draw_projected, project_motion
from models.appearance_expert.relay import Frame, RelayRenderer, SegmentRecord
from models.body.keypoints import openpose18_from_coco17
from models.body.motion import Motion
from models.video.encode import cut_audio, encode_video
from models.video.images import read_image
from models.command_line import (
    ArgumentParser,
    UsageError,
    command,
    nonnegative_int,
    positive_float,
    positive_int,
    reject_unused,
    require_device,
    require_file,
    require_writable,
)

log = logging.getLogger(__name__)

TINY_LABEL = "tiny random Wan-Animate: tests only, its videos are noise"
WAN_LABEL = "Wan2.2-Animate-14B base model (no MACE-Dance adapter or LoRA)"
MACE_LABEL = "MACE-Dance Appearance Expert (Wan2.2-Animate-14B + body adapter + LoRA x{weight:g})"


@dataclass(frozen=True)
class RenderedVideo:
    """A written dance video: paths, frame count and rate, relay segments and wall seconds (rendering only)."""

    video: Path
    pose_video: Path
    frames: int
    fps: float
    segments: int
    seconds: float


class AppearanceExpert:
    """A Wan-Animate pipeline (tiny, base or MACE-Dance weights) with its render settings and provenance label."""

    def __init__(self, pipe: Any, config: ModelConfig, name: str, label: str, provenance: dict[str, Any]) -> None:
        self.pipe, self.config, self.name, self.label, self.provenance = pipe, config, name, label, provenance

    @classmethod
    def tiny(cls, seed: int = 0, render: RenderConfig | None = None) -> AppearanceExpert:
        """The spec's tiny random model, built entirely in code (no files, no hub)."""
        pipe = build_tiny_pipeline(TINY, seed)
        config = replace(TINY, render=render or TINY.render)
        return cls(pipe, config, "tiny", TINY_LABEL, {"preset": "tiny", "init_seed": seed})

    @classmethod
    def load(
        cls, weights: Path | None, adapter: Path | None = None, lora: Path | None = None,
        load: LoadConfig | None = None, render: RenderConfig | None = None,
    ) -> AppearanceExpert:  # fmt: skip
        """Real weights from a local diffusers folder, plus MACE-Dance's body adapter and LoRA when given."""
        from models.appearance_expert import weights as trained  # the trained-tensor files (adapter, LoRA)

        for path, what in ((adapter, "--adapter"), (lora, "--lora")):
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"{path}: {what} file not found (MACE-Dance releases Adapter.safetensors "
                                        "and LoRA.safetensors; convert them with models.appearance_expert.convert)")
        pipe = load_pipeline(replace(load or LoadConfig(), weights=weights))
        config = preset("real") if render is None else replace(preset("real"), render=render)
        provenance: dict[str, Any] = {"preset": "real", "weights": str(weights) if weights else None}
        if adapter is not None:
            trained.load_adapter_into(pipe.transformer, adapter)
            provenance["adapter"] = str(adapter)
        if lora is not None:
            trained.merge_lora_into(pipe.transformer, lora, config.lora_weight)
            provenance.update(lora=str(lora), lora_weight=config.lora_weight)
        if adapter is None and lora is None:
            return cls(pipe, config, "wan_animate", WAN_LABEL, provenance)
        return cls(pipe, config, "appearance_expert", MACE_LABEL.format(weight=config.lora_weight), provenance)

    def render(
        self,
        motion: Motion,
        image: np.ndarray,
        out: str | Path,
        music: str | Path | None = None,
        face: str | Path = "reference",
        align: bool = False,
        hands: bool = False,
        progress: bool = True,
        on_segment: Any = None,
    ) -> RenderedVideo:
        """Render `motion` as `image`'s person to `out` (H.264, music muxed as AAC and cut to the video's length)."""
        render = self.config.render
        projector = ProjectorConfig(width=render.width, height=render.height, fps=render.fps, hands=hands)
        coco = reference_pose(image) if align or str(face) == "reference" else None
        if align and coco is None:
            raise ValueError("--align: no person found in the reference image")
        reference = None
        if align:
            points = np.concatenate([coco[0], coco[1][:, None]], axis=1)[None]  # type: ignore[index]
            openpose = openpose18_from_coco17(points)[0]
            reference = (openpose[:, :2], openpose[:, 2])
        projected = project_motion(motion, projector, reference)
        pose = draw_projected(render.height, render.width, projected)
        return self.animate(pose, len(projected.points), image, out, music, face, render.fps, coco, progress, on_segment)

    def animate(
        self,
        pose: Frame,
        num_frames: int,
        image: np.ndarray,
        out: str | Path,
        music: str | Path | None = None,
        face: str | Path = "reference",
        fps: float | None = None,
        reference_coco: tuple[np.ndarray, np.ndarray] | None = None,
        progress: bool = True,
        on_segment: Any = None,
    ) -> RenderedVideo:
        """Animate `image`'s person along `num_frames` pose frames (index -> (H,W,3) at the render size) into `out`
        at `fps` (default the render fps), with its pose video beside it (`<out>_pose.mp4`)."""
        out = Path(out)
        render = self.config.render
        fps = fps or render.fps
        if str(face) == "reference" and reference_coco is None:
            reference_coco = reference_pose(image)
        faces = face_frames(face, image, self.config.motion_encoder_size, reference_coco)
        relay = RelayRenderer(self.pipe, render)
        records: list[SegmentRecord] = []

        def record(segment: SegmentRecord) -> None:
            records.append(segment)
            if on_segment is not None:
                on_segment(segment)

        start = time.perf_counter()
        frames = relay.frames(image, pose, faces, num_frames, on_segment=record, progress=progress)
        with tempfile.TemporaryDirectory() as scratch:
            audio = None
            if music is not None:
                audio = Path(scratch) / "music.m4a"
                cut_audio(Path(music), 0.0, num_frames / fps, audio)
            written = encode_video(out, frames, fps, render.width, render.height, audio=audio)
        seconds = time.perf_counter() - start
        pose_video = pose_video_path(out)  # written once the video is: a failed render leaves no half pair
        encode_video(pose_video, (pose(i) for i in range(num_frames)), fps, render.width, render.height)
        log.info("%s: %d frames in %d segments, %.2f s", out, written, len(records), seconds)
        return RenderedVideo(out, pose_video, written, fps, len(records), seconds)


def pose_video_path(out: Path) -> Path:
    """Where the pose video of `out` goes: `<out>_pose.mp4` beside it."""
    return out.with_name(f"{out.stem}_pose.mp4")


def frame_side(text: str) -> int:
    """argparse type of --height/--width: a positive multiple of 16 (the VAE and patch sizes)."""
    value = positive_int(text)
    if value % 16:
        raise argparse.ArgumentTypeError(f"expected a positive multiple of 16, got {text!r}")
    return value


def segment_length(text: str) -> int:
    """argparse type of --segment-frames: 4k+1 and at least 5 (Wan's temporal VAE stride)."""
    value = positive_int(text)
    if value < 5 or (value - 1) % 4:
        raise argparse.ArgumentTypeError(f"expected 4k+1 frames, at least 5 (5, 9, ..., 77), got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m models.appearance_expert.generate",
        description="Render a dance video from 3D motion and a reference image with the Appearance Expert.",
    )
    parser.add_argument("--motion", type=Path, required=True, help="motion file (.npy FineDance/EDGE, .pkl AIST++, .bvh)")
    parser.add_argument("--image", type=Path, required=True, help="reference image of the dancer")
    parser.add_argument("--out", type=Path, required=True, help="output video (.mp4); the pose video goes beside it")
    parser.add_argument("--music", type=Path, help="audio muxed as AAC, cut to the video's length")
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--weights", type=Path, help="Wan2.2-Animate-14B diffusers folder ($MACE_WAN_ANIMATE_DIR)")
    model.add_argument("--tiny", action="store_true", help="random tiny model built in code (tests; renders noise)")
    parser.add_argument("--adapter", type=Path, help="body adapter safetensors (ours or MACE-Dance's Adapter.safetensors)")
    parser.add_argument("--lora", type=Path, help="aesthetic LoRA safetensors (ours or MACE-Dance's LoRA.safetensors)")
    parser.add_argument("--face", default="reference", help=f"face video: {' | '.join(FACE_POLICIES)} | a video file")
    parser.add_argument("--align", action="store_true", help="align the pose video to the reference image's 2D pose")
    parser.add_argument("--hands", action="store_true", help="draw synthetic 21-point hands in the pose video")
    parser.add_argument("--height", type=frame_side, help="video height, a multiple of 16 (default 1280; tiny 16)")
    parser.add_argument("--width", type=frame_side, help="video width, a multiple of 16 (default 720; tiny 16)")
    parser.add_argument("--fps", type=positive_float, help="video frame rate (default 16); the motion is resampled to it")
    parser.add_argument("--steps", type=positive_int, help="denoising steps per segment (default 20)")
    parser.add_argument("--segment-frames", type=segment_length, help="frames per relay segment, 4k+1 (default 77)")
    parser.add_argument("--prev-frames", type=int, choices=(1, 5), help="frames carried between segments (default 1)")
    parser.add_argument("--seed", type=nonnegative_int, help="noise seed (default 0)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bfloat16")
    parser.add_argument("--device", help="device of the real model (default cuda); --tiny runs on the CPU")
    parser.add_argument("--offload", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def _render_config(args: argparse.Namespace, base: RenderConfig) -> RenderConfig:
    """`base` with the render flags given; a combination the config refuses is a usage error."""
    fields = {"height": args.height, "width": args.width, "fps": args.fps, "steps": args.steps,
              "segment_frames": args.segment_frames, "prev_frames": args.prev_frames, "seed": args.seed}  # fmt: skip
    try:
        return replace(base, **{k: v for k, v in fields.items() if v is not None})
    except ValueError as error:  # flags that are each fine but do not go together (--prev-frames 5 --segment-frames 5)
        raise UsageError(f"render flags: {error}") from None


def _check_arguments(args: argparse.Namespace) -> None:
    """Every flag, input file and output path checked before the motion, the image or a model loads."""
    if args.tiny:
        reject_unused(args, ("device", "adapter", "lora"), "--tiny is a random model built in code on the CPU")
    else:  # an explicit --device is checked first; the default (cuda) once the weights are known to be there
        if args.device is not None:
            require_device(args.device)
        weights_folder(args.weights, "--weights")
        require_device(args.device or "cuda")
    for path, flag in ((args.motion, "--motion"), (args.image, "--image"), (args.music, "--music"),
                       (args.adapter, "--adapter"), (args.lora, "--lora")):  # fmt: skip
        if path is not None:
            require_file(path, flag)
    require_writable(args.out, "--out")
    require_writable(pose_video_path(args.out), "--out (its pose video)")


def _expert(args: argparse.Namespace) -> AppearanceExpert:
    """The tiny model, or the real one from --weights (with --adapter/--lora) on --device."""
    if args.tiny:
        return AppearanceExpert.tiny(render=_render_config(args, TINY.render))
    load = LoadConfig(dtype=args.dtype, device=args.device or "cuda", offload=args.offload)
    return AppearanceExpert.load(args.weights, args.adapter, args.lora, load, _render_config(args, preset("real").render))


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    from models.body.formats import load_motion

    _check_arguments(args)
    motion = load_motion(args.motion)
    image = read_image(args.image)
    expert = _expert(args)
    result = expert.render(motion, image, args.out, args.music, args.face, args.align, args.hands)
    print(f"{result.video} ({result.frames} frames at {result.fps:g} fps, {result.segments} segments, "
          f"{result.seconds:.1f} s; {expert.label}); pose video {result.pose_video}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
