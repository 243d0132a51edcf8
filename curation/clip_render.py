"""The per-clip stage: motion window -> body mesh video from a sampled camera + music, 2D keypoints,
pose-skeleton video, motion slice -> one manifest row. Runs in a worker; every file is atomic.

Files of clip <id> (paths relative to the output folder): clips/<id>/video.mp4 (H.264 + AAC),
audio.wav (the music window), motion.npy (the source rows [start, end), source layout),
keypoints.npz, pose.mp4 (OpenPose-18 on black, Wan-Animate's pose input) and face.mp4 (512x512 crops
around the projected head keypoints, curation.clip_media, as for internet clips).
keypoints.npz: coco17 / openpose18 (T,K,2) pixel coordinates (continuous, (0,0) = top-left
corner), coco17_depth (T,17) camera z in metres, coco17_visible (T,17) in front and inside the
frame, coco17_world (T,17,3) world metres; all at the clip's fps.
"""

from __future__ import annotations

import functools
import json
import zlib
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np

from curation.clip_media import write_face_video
from curation.finedance_source import SourceItem, SourcePlan
from curation.windows import Window
from models.body.camera_sampling import CameraRanges, sample_camera
from models.body.formats import read_finedance
from models.body.formats_io import load_npy, save_npy
from models.body.keypoints import coco17_world, draw_openpose, openpose18_from_coco17
from models.body.mesh import BodyMesh, MannequinBody
from models.body.mesh_smplx import SmplxBody
from models.body.render import BodyRenderer, SceneStyle
from models.files import atomic_write
from models.video.encode import cut_audio, encode_video, encoder_description

CLIP_FILES = {"video": "video.mp4", "audio": "audio.wav", "motion": "motion.npy", "keypoints": "keypoints.npz",
              "pose_video": "pose.mp4", "face_video": "face.mp4"}  # fmt: skip


@dataclass(frozen=True)
class ClipSettings:
    """Everything that shapes a clip (recorded in each row's provenance)."""

    width: int = 512
    height: int = 512
    fps: float | None = None  # None: the source's frame rate
    min_s: float = 5.0
    max_s: float = 10.0
    body: str = "mannequin:0"  # "mannequin:<lod>" or a path to an SMPL / SMPL-X model file
    cameras: CameraRanges = field(default_factory=CameraRanges)
    style: SceneStyle = field(default_factory=SceneStyle)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(f"resolution must be positive and even (H.264), got {self.width}x{self.height}")
        if self.fps is not None and not self.fps > 0:
            raise ValueError(f"fps must be > 0, got {self.fps}")

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class ClipTask:
    """One clip to render: its source, window, id and the output folder."""

    item: SourceItem
    plan: SourcePlan
    window: Window
    clip_id: str
    out_dir: Path
    settings: ClipSettings


@functools.cache
def load_body(spec: str) -> BodyMesh:
    """A body by its settings spec, loaded once per worker process."""
    if spec.startswith("mannequin:"):
        return MannequinBody.load(int(spec.split(":", 1)[1]))
    return SmplxBody(spec)


@functools.cache
def _renderer(width: int, height: int) -> BodyRenderer:
    return BodyRenderer(width, height)


def clip_rng(seed: int, clip_id: str) -> np.random.Generator:
    """Per-clip random stream: the same clip gets the same camera whatever the order or executor."""
    return np.random.default_rng([seed, zlib.crc32(clip_id.encode())])


def _pose_frames(points: np.ndarray, visible: np.ndarray, height: int, width: int):
    for frame_points, frame_visible in zip(points, visible):
        yield draw_openpose(np.zeros((height, width, 3), np.uint8), frame_points, frame_visible)


def render_clip(task: ClipTask) -> dict:
    """Render one clip's files and return its ok manifest row (exceptions become failed rows upstream)."""
    item, window, settings = task.item, task.window, task.settings
    width, height = settings.width, settings.height
    clip_dir = task.out_dir / "clips" / task.clip_id
    paths = {key: clip_dir / name for key, name in CLIP_FILES.items()}

    source_rows = load_npy(item.motion)[window.start : window.end]
    motion = read_finedance(item.motion, item.fps).slice(window.start, window.end)
    fps = settings.fps or item.fps
    motion = motion.resample(fps)
    duration = motion.num_frames / fps
    start_s = window.start / item.fps

    body = load_body(settings.body)
    vertices = body.posed_vertices(motion)
    world = coco17_world(motion)
    camera, camera_params = sample_camera(
        clip_rng(settings.seed, task.clip_id),
        settings.cameras,
        vertices,
        motion.to_smplx55().positions(),
        width,
        height,
    )
    uv, depth = camera.project(world)
    inside = (uv[..., 0] >= 0) & (uv[..., 0] < width) & (uv[..., 1] >= 0) & (uv[..., 1] < height)
    openpose_uv = openpose18_from_coco17(uv)
    openpose_visible = openpose18_from_coco17(depth[..., None])[..., 0] > 0

    save_npy(paths["motion"], source_rows)
    cut_audio(item.music, start_s, duration, paths["audio"])
    renderer = _renderer(width, height)
    frames = renderer.frames(vertices, body.faces, camera, settings.style)
    written = encode_video(paths["video"], frames, fps, width, height, audio=paths["audio"])
    encode_video(paths["pose_video"], _pose_frames(openpose_uv, openpose_visible, height, width), fps, width, height)
    seen = ((depth > 0) & inside).astype(np.float32)
    _, face_coverage = write_face_video(paths["video"], uv, seen, paths["face_video"], fps)
    arrays = {
        "coco17": uv.astype(np.float32), "openpose18": openpose_uv.astype(np.float32),
        "coco17_depth": depth.astype(np.float32), "coco17_visible": (depth > 0) & inside,
        "coco17_world": world.astype(np.float32),
    }  # fmt: skip
    atomic_write(paths["keypoints"], lambda handle: np.savez(handle, **arrays))

    row = item.base_row(task.clip_id)
    row.update(
        status="ok", start_frame=window.start, end_frame=window.end, start_s=start_s, end_s=window.end / item.fps,
        window_rule=window.rule, fps=fps, num_frames=written, duration_s=duration, width=width, height=height,
        face_coverage=face_coverage,
        camera={**camera_params, "fx": camera.fx, "fy": camera.fy, "cx": camera.cx, "cy": camera.cy,
                "width": width, "height": height,
                "world_to_camera": camera.world_to_camera.reshape(-1).tolist()},
        **{key: path.relative_to(task.out_dir).as_posix() for key, path in paths.items()},
        provenance={
            "motion_sha256": task.plan.motion_sha256, "music_sha256": task.plan.music_sha256, "body": body.name,
            "renderer": renderer.description,
            "encoder": encoder_description(), "code_version": f"mace-bench {version('mace-bench')}",
            "params_json": settings.as_json(),
        },
    )  # fmt: skip
    return row
