"""`mannequin`: the suite's own body render (open mannequin mesh, pyrender), no learned weights.

The honest default when no Wan weights are given: the video shows the motion method's dance on a
plain mannequin, so appearance metrics score a render, not a model; every result says so. Camera and
scene follow the FineDance curation's renders (models.body.camera_sampling, SceneStyle), fixed in
front of the dancer's mean facing and pulled back until the whole dance stays in the portrait frame.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.renderers.base import RenderedClip, RenderSettings
from models.body.camera_sampling import CameraRanges, sample_camera
from models.body.mesh import MannequinBody
from models.body.motion import Motion
from models.body.render import BodyRenderer, SceneStyle
from models.video.encode import encode_video, encoder_description

MANNEQUIN_LABEL = "mannequin renderer: suite body render, no learned appearance"
FRAMING = CameraRanges(azimuth_deg=(0.0, 0.0), elevation_deg=(8.0, 8.0), distance_m=(1.5, 1.5),
                       focal_mm=(35.0, 35.0), margin=0.06)  # fmt: skip  # start close; widened until it fits
BODY_DETAIL = 0  # mannequin level of detail (0: 80 hulls with fingers)


class MannequinRenderer:
    """Renders every motion with one offscreen GL context of the settings' size."""

    name = "mannequin"
    label = MANNEQUIN_LABEL
    precision = "uint8 raster (no model)"

    def __init__(self, settings: RenderSettings) -> None:
        self.settings = settings
        self.body = MannequinBody.load(BODY_DETAIL)
        self.style = SceneStyle()
        self._renderer: BodyRenderer | None = None

    @property
    def renderer(self) -> BodyRenderer:
        if self._renderer is None:
            self._renderer = BodyRenderer(self.settings.width, self.settings.height)
        return self._renderer

    @property
    def device(self) -> str:
        return self.renderer.description

    @property
    def config(self) -> dict[str, Any]:
        s = self.settings
        return {"fps": s.fps, "width": s.width, "height": s.height, "body": self.body.name,
                "camera": FRAMING.as_dict(), "style": asdict(self.style), "encoder": encoder_description()}  # fmt: skip

    def render(self, motion: Motion, image: np.ndarray | None, music: Path | None, out: Path) -> RenderedClip:
        """Render `motion` at the settings' fps (the reference image is not used: no learned appearance)."""
        start = time.perf_counter()
        s = self.settings
        if abs(motion.fps - s.fps) > 1e-9:
            motion = motion.resample(s.fps)
        vertices = self.body.posed_vertices(motion)
        camera, _ = sample_camera(np.random.default_rng(s.seed), FRAMING, vertices, motion.to_smplx55().positions(),
                                  s.width, s.height)  # fmt: skip
        frames = self.renderer.frames(vertices, self.body.faces, camera, self.style)
        count = encode_video(out, frames, s.fps, s.width, s.height, audio=music)
        return RenderedClip(Path(out), count, s.fps, time.perf_counter() - start)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
