"""Report: body-mesh rendering speed on this machine and the projected time of the MA-Data 3D part.

    .venv/bin/python bench/bench_render.py [--resolution 512x512] [--repeats 5] [--body-detail 0]

Measures (a) render-only frames/s: the open mannequin posed from the bundled sample's motion,
checker floor, one 512x512 frame read back per pose (median of repeats, one process; llvmpipe
uses every core) and (b) end-to-end frames/s of `render_clip` (render + H.264/AAC encode + pose
video + keypoints + files). Projection: 20,000 clips of 7.5 s (the middle of the 5-10 s windows)
at 30 fps = 4.5 M frames, at the end-to-end rate of one process on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curation.clip_render import ClipSettings, ClipTask, render_clip
from curation.finedance_source import plan_source, sample_items
from models.body.formats import read_finedance
from models.body.mesh import MannequinBody
from models.body.render import BodyRenderer, SceneStyle
from models.body.render_camera import orbit_camera

CLIPS, CLIP_SECONDS, FPS = 20_000, 7.5, 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", default="512x512")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--body-detail", type=int, default=0)
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.resolution.split("x"))

    item = sample_items()[2]
    motion = read_finedance(item.motion, item.fps)
    body = MannequinBody.load(args.body_detail)
    vertices = body.posed_vertices(motion)
    camera = orbit_camera(vertices.reshape(-1, 3).mean(axis=0), 20.0, 10.0, 4.0, 35.0, width, height)
    renderer = BodyRenderer(width, height)
    list(renderer.frames(vertices[:5], body.faces, camera, SceneStyle()))  # warm-up: context, shaders
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        count = sum(1 for _ in renderer.frames(vertices, body.faces, camera, SceneStyle()))
        rates.append(count / (time.perf_counter() - start))
    render_fps = statistics.median(rates)

    settings = ClipSettings(width, height, body=f"mannequin:{args.body_detail}")
    plan = plan_source(item, settings.min_s, settings.max_s)
    clip_rates = []
    with tempfile.TemporaryDirectory() as out:
        for repeat in range(args.repeats):
            task = ClipTask(item, plan, plan.windows[0], f"bench_{repeat}", Path(out), settings)
            start = time.perf_counter()
            row = render_clip(task)
            clip_rates.append(row["num_frames"] / (time.perf_counter() - start))
    clip_fps = statistics.median(clip_rates)

    frames = CLIPS * CLIP_SECONDS * FPS
    print(f"machine: {os.cpu_count()} cores, GL platform {os.environ['PYOPENGL_PLATFORM']}, body {body.name} "
          f"({len(body.faces)} faces)")  # fmt: skip
    print(f"render only, {width}x{height}: {render_fps:.1f} frames/s (median of {args.repeats}; "
          f"min {min(rates):.1f}, max {max(rates):.1f}; {len(vertices)} frames each)")  # fmt: skip
    print(f"end to end (render + encode + pose video + keypoints + files): {clip_fps:.1f} frames/s "
          f"(median of {args.repeats} clips of {row['num_frames']} frames)")  # fmt: skip
    print(f"projected MA-Data 3D part: {CLIPS} clips x {CLIP_SECONDS} s x {FPS:g} fps = {frames / 1e6:.1f} M frames -> "
          f"{frames / render_fps / 3600:.1f} h rendering only, {frames / clip_fps / 3600:.1f} h end to end "
          f"on this machine (divide by the number of such machines)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
