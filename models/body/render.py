"""Headless pyrender video frames of a posed body mesh: floor, lighting, background, any camera.

The platform is EGL when a GPU device node exists, OSMesa otherwise (`PYOPENGL_PLATFORM` overrides;
it must be chosen before OpenGL is imported, which is why this module sets it at import time).

Fast path on CPU (llvmpipe): lighting is computed per vertex in NumPy (ambient + one key light,
Lambert) and drawn with pyrender's unlit FLAT shader from vertex colours; the body is one mesh
rebuilt each frame. pyrender's PBR shader and one node per body part each cost several times more
on a software rasteriser (measured in bench/bench_render.py).
"""

from __future__ import annotations

import glob
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse


def default_platform() -> str:
    """'egl' when a GPU render node is present, else 'osmesa' (software, any machine)."""
    has_gpu = os.path.exists("/dev/nvidia0") or bool(glob.glob("/dev/dri/renderD*"))
    return "egl" if has_gpu else "osmesa"


os.environ.setdefault("PYOPENGL_PLATFORM", default_platform())
import pyrender  # after the platform is chosen
from pyrender.shader_program import ShaderProgramCache

from models.body.render_camera import Camera

FLOORS = ("checker", "plain", "none")
_FLAGS = pyrender.RenderFlags.FLAT
_WHITE = pyrender.MetallicRoughnessMaterial(baseColorFactor=[1.0, 1.0, 1.0, 1.0])


@dataclass(frozen=True)
class SceneStyle:
    """Colours (RGB in [0,1]), floor and lighting of a rendered clip."""

    body_color: tuple[float, float, float] = (0.82, 0.68, 0.52)
    background: tuple[float, float, float] = (0.30, 0.33, 0.40)
    floor: str = "checker"
    floor_colors: tuple[tuple[float, float, float], tuple[float, float, float]] = (
        (0.64, 0.64, 0.62),
        (0.42, 0.42, 0.41),
    )
    floor_tile_m: float = 0.5
    floor_extent_m: float = 16.0
    ambient: float = 0.35
    key_light: float = 0.65
    light_azimuth_deg: float = 35.0  # key light direction relative to the camera's view, degrees
    light_elevation_deg: float = 45.0

    def __post_init__(self) -> None:
        if self.floor not in FLOORS:
            raise ValueError(f"floor must be one of {FLOORS}, got {self.floor!r}")
        colors = (self.body_color, self.background, *self.floor_colors)
        if any(len(c) != 3 or not all(0.0 <= x <= 1.0 for x in c) for c in colors):
            raise ValueError(f"colours must be RGB triples in [0,1], got {colors}")
        if self.ambient < 0 or self.key_light < 0:
            raise ValueError("light intensities must be >= 0")


def key_light_direction(camera: Camera, style: SceneStyle) -> np.ndarray:
    """Unit world vector towards the key light: the camera's backward axis turned by azimuth/elevation."""
    azimuth, elevation = math.radians(style.light_azimuth_deg), math.radians(style.light_elevation_deg)
    in_camera = np.array(
        [math.sin(azimuth) * math.cos(elevation), -math.sin(elevation), -math.cos(azimuth) * math.cos(elevation)]
    )
    return np.linalg.inv(camera.world_to_camera)[:3, :3] @ in_camera


class VertexNormals:
    """Area-weighted vertex normals of a fixed triangle list, for any number of posed frames."""

    def __init__(self, faces: np.ndarray, num_vertices: int) -> None:
        faces = np.asarray(faces, dtype=np.int64)
        rows = faces.reshape(-1)
        cols = np.repeat(np.arange(len(faces)), 3)
        self.faces = faces
        self.incidence = scipy.sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(num_vertices, len(faces)))

    def __call__(self, vertices: np.ndarray) -> np.ndarray:
        tri = vertices[self.faces]
        face_normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        normals = self.incidence @ face_normals
        return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


def floor_mesh(center: np.ndarray, floor_y: float, light: np.ndarray, style: SceneStyle) -> pyrender.Mesh:
    """A square tiled floor (facing up) centred under `center`, its shading baked into vertex colours."""
    tiles = max(1, round(style.floor_extent_m / style.floor_tile_m))
    edges = (np.arange(tiles + 1) - tiles / 2) * style.floor_tile_m
    i, j = np.meshgrid(np.arange(tiles), np.arange(tiles), indexing="ij")
    i, j = i.ravel(), j.ravel()
    x0, x1 = edges[i] + center[0], edges[i + 1] + center[0]
    z0, z1 = edges[j] + center[2], edges[j + 1] + center[2]
    y = np.full_like(x0, floor_y)
    corners = np.stack([np.stack(c, axis=-1) for c in ((x0, y, z0), (x0, y, z1), (x1, y, z1), (x1, y, z0))], axis=1)
    shade = style.ambient + style.key_light * max(0.0, float(light[1]))
    dark = ((i + j) % 2 == 1) & (style.floor == "checker")
    tile_rgb = np.where(dark[:, None], style.floor_colors[1], style.floor_colors[0]) * shade
    colors = np.concatenate([np.repeat(tile_rgb, 4, axis=0), np.ones((4 * len(i), 1))], axis=1)
    quad = np.array([[0, 1, 2], [0, 2, 3]])
    faces = (np.arange(len(i))[:, None, None] * 4 + quad).reshape(-1, 3)
    primitive = pyrender.Primitive(
        positions=corners.reshape(-1, 3).astype(np.float32), color_0=np.clip(colors, 0, 1).astype(np.float32),
        indices=faces.astype(np.uint32), material=_WHITE,
    )  # fmt: skip
    return pyrender.Mesh([primitive])


class _ProgramCache(ShaderProgramCache):
    """Compiled shaders keyed by shader files and defines only.

    pyrender keys them by the current GL context object too, and PyOpenGL's OSMesa returns a new
    pointer object on every call, so stock pyrender recompiled (and kept) one program per draw per
    frame. A renderer owns exactly one context, so the context adds nothing to the key.
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_source: dict[tuple, object] = {}

    def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        key = (vertex_shader, fragment_shader, geometry_shader, tuple(sorted((defines or {}).items())))
        if key not in self._by_source:
            self._by_source[key] = super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)
        return self._by_source[key]

    def clear(self) -> None:
        super().clear()
        self._by_source = {}

    def __len__(self) -> int:
        return len(self._program_cache)


class BodyRenderer:
    """One offscreen GL context of a fixed size that renders posed-body clips frame by frame."""

    def __init__(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"render size must be positive, got {width}x{height}")
        self.width, self.height = width, height
        try:
            self._renderer = pyrender.OffscreenRenderer(width, height)
        except ImportError as error:
            raise RuntimeError(
                f"cannot create a {os.environ['PYOPENGL_PLATFORM']} GL context ({error}); with OSMesa, "
                "install PyOpenGL 3.1.10 after pyrender: pip install --no-deps PyOpenGL==3.1.10"
            ) from error
        self.programs = _ProgramCache()
        self._renderer._renderer._program_cache = self.programs  # see _ProgramCache

    @property
    def description(self) -> str:
        """Renderer, GL platform and shading, for provenance."""
        return f"pyrender {pyrender.__version__} {os.environ['PYOPENGL_PLATFORM']} vertex-lit"

    def frames(
        self, vertices: np.ndarray, faces: np.ndarray, camera: Camera, style: SceneStyle, floor_y: float | None = None
    ) -> Iterator[np.ndarray]:
        """(H,W,3) uint8 RGB frames of the body posed as `vertices` (T,V,3), seen by `camera`.

        The floor (unless style.floor == 'none') lies at `floor_y`, default the clip's lowest vertex.
        """
        if (camera.width, camera.height) != (self.width, self.height):
            raise ValueError(f"camera is {camera.width}x{camera.height}, renderer is {self.width}x{self.height}")
        if vertices.ndim != 3 or vertices.shape[2] != 3:
            raise ValueError(f"vertices must be (T,V,3), got {vertices.shape}")
        light = key_light_direction(camera, style)
        scene = pyrender.Scene(bg_color=[*style.background, 1.0])
        scene.add(
            pyrender.IntrinsicsCamera(camera.fx, camera.fy, camera.cx, camera.cy, znear=0.05, zfar=100.0),
            pose=camera.camera_to_world_gl(),
        )
        if style.floor != "none":
            center = vertices.reshape(-1, 3).mean(axis=0)
            scene.add(floor_mesh(center, float(vertices[..., 1].min()) if floor_y is None else floor_y, light, style))
        normals_of = VertexNormals(faces, vertices.shape[1])
        albedo = np.asarray(style.body_color)
        alpha = np.ones((vertices.shape[1], 1))
        indices = np.asarray(faces, dtype=np.uint32)
        node = None
        for frame in vertices:
            lambert = np.clip(normals_of(frame) @ light, 0.0, None)
            colors = np.concatenate([albedo * (style.ambient + style.key_light * lambert)[:, None], alpha], axis=1)
            body = pyrender.Primitive(
                positions=frame, color_0=np.clip(colors, 0, 1).astype(np.float32), indices=indices, material=_WHITE
            )
            if node is not None:
                scene.remove_node(node)
            node = scene.add(pyrender.Mesh([body]))
            color, _ = self._renderer.render(scene, flags=_FLAGS)
            yield color

    def close(self) -> None:
        self._renderer.delete()
