"""`tiny`, `wan_animate`, `appearance_expert`: the Appearance Expert (models.appearance_expert) as a renderer.

`tiny` is a random tiny Wan-Animate (wiring tests only); `wan_animate` is the base model from
`--wan-weights DIR` (MACE-Dance Table 3's baseline); `appearance_expert` adds MACE's `--adapter FILE`
and `--lora FILE`. The expert projects the motion to a Wan pose video itself and relays segments for
long dances. It is imported only when one of these renderers is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.renderers.base import RenderedClip, RenderSettings
from models.body.motion import Motion
from models.command_line import UsageError
from models.video.io import read_frames_at

POSE_FOLDER = "pose"  # the expert's pose videos, moved out of the folder of scored clips
DEFAULT_IMAGE_GREY = 128  # tiny renders a flat grey reference when the test set has none


def _generate_module() -> Any:
    try:
        from models.appearance_expert import generate
    except ImportError as error:
        raise ValueError(f"the Appearance Expert renderer is unavailable ({error})") from error
    return generate


def _load_tiny(settings: RenderSettings) -> Any:
    from models.appearance_expert.config import TINY

    render = replace(TINY.render, fps=settings.fps, seed=settings.seed)
    return _generate_module().AppearanceExpert.tiny(seed=settings.seed, render=render)


def _load_real(settings: RenderSettings, adapter: Path | None, lora: Path | None) -> Any:
    from models.appearance_expert.config import preset
    from models.appearance_expert.pipeline import LoadConfig

    load = LoadConfig(device=settings.device, dtype="bfloat16" if settings.device.startswith("cuda") else "float32",
                      flag="--wan-weights")  # the folder may also come from $MACE_WAN_ANIMATE_DIR
    render = replace(preset("real").render, fps=settings.fps, seed=settings.seed)
    return _generate_module().AppearanceExpert.load(settings.wan_weights, adapter, lora, load, render)


def _load_wan_animate(settings: RenderSettings) -> Any:
    return _load_real(settings, None, None)


def _load_appearance_expert(settings: RenderSettings) -> Any:
    missing = [flag for flag, path in (("--adapter", settings.adapter), ("--lora", settings.lora)) if path is None]
    if missing:
        raise UsageError(f"{' '.join(missing)}: --appearance appearance_expert needs them (MACE-Dance's Adapter.safetensors "
                         "and LoRA.safetensors; for the base model alone use --appearance wan_animate)")
    return _load_real(settings, settings.adapter, settings.lora)


EXPERT_LOADERS: dict[str, Callable[[RenderSettings], Any]] = {
    "tiny": _load_tiny,
    "wan_animate": _load_wan_animate,
    "appearance_expert": _load_appearance_expert,
}


class ExpertRenderer:
    """One loaded AppearanceExpert rendering every test item (reference image required but for `tiny`)."""

    precision = "see config"

    def __init__(self, name: str, load: Callable[[RenderSettings], Any], settings: RenderSettings) -> None:
        self.name, self.settings = name, settings
        self.expert = load(settings)
        self.label = str(self.expert.label)
        self.device = settings.device
        self.precision = str(getattr(self.expert.pipe, "dtype", "float32")).replace("torch.", "")

    @property
    def config(self) -> dict[str, Any]:
        s = self.settings
        files = {"wan_weights": s.wan_weights, "adapter": s.adapter, "lora": s.lora}
        return {"expert": self.name, "seed": s.seed, "render": asdict(self.expert.config.render),
                **{k: str(v) if v else None for k, v in files.items()},
                "device": self.device, "precision": self.precision}  # fmt: skip

    def _image(self, image: np.ndarray | None) -> np.ndarray:
        if image is not None:
            return image
        if self.name != "tiny":
            raise ValueError(f"the {self.name} renderer needs a reference image: pass --image REF.png")
        return np.full((self.settings.height, self.settings.width, 3), DEFAULT_IMAGE_GREY, np.uint8)

    def render(self, motion: Motion, image: np.ndarray | None, music: Path | None, out: Path) -> RenderedClip:
        start = time.perf_counter()
        result = self.expert.render(motion, self._image(image), Path(out), music=music, progress=False)
        pose = self._move_pose_video(Path(result.pose_video), Path(out))
        return RenderedClip(Path(result.video), int(result.frames), float(result.fps), time.perf_counter() - start, pose)

    def animate_video(self, driving: Path, out: Path, max_frames: int | None = None) -> RenderedClip:
        """Pose-driven image animation: `driving`'s first frame animated along its own 2D pose, at its fps."""
        from models.appearance_expert.driving import driving_pose

        start = time.perf_counter()
        pose = driving_pose(driving, max_frames)
        render = self.expert.config.render
        image = read_frames_at(driving, [0])[0]
        result = self.expert.animate(pose.frames(render.height, render.width), pose.num_frames, image, Path(out),
                                     fps=pose.fps, progress=False)  # fmt: skip
        return RenderedClip(Path(result.video), int(result.frames), float(result.fps), time.perf_counter() - start,
                            self._move_pose_video(Path(result.pose_video), Path(out)))  # fmt: skip

    def _move_pose_video(self, pose_video: Path, out: Path) -> Path:
        """The expert's pose video moved out of the folder of scored clips (into `pose/`)."""
        target = out.parent / POSE_FOLDER / pose_video.name
        target.parent.mkdir(exist_ok=True)
        pose_video.replace(target)
        return target

    def close(self) -> None:
        close = getattr(self.expert, "close", None)
        if close is not None:
            close()
