"""Build MA-Data: the 3D part from FineDance motion, or the internet part from dance videos.

    python -m curation.build --source finedance [--root FINEDANCE] [--out DIR] [--executor local|ray]
    python -m curation.build --source internet --urls urls.txt|.csv|.parquet [--videos DIR] [--config my.yaml]

Internet: download (yt-dlp) -> shots (PySceneDetect) -> 5-10 s windows -> 2D pose on sampled frames ->
filters (one dancer, full body, keypoint confidence, motion, resolution, fps, audio with a beat,
duration, near-duplicates) -> clips + manifest rows (rejected ones keep every failing filter in reason,
and all scores) -> pose + face videos of kept clips (Appearance-Expert inputs), summary.md and
preview.png. Thresholds: curation/configs/internet.yaml. See docs/curation.md.

FineDance:
Stages: plan (validate motion + music, beat-aligned windows) -> render (video + audio, keypoints,
pose video, face video, motion slice per clip) -> manifest.parquet + preview.png. Resumable per clip:
a rerun skips finished clips, redoes unfinished ones and keeps failed rows unless --retry-failed. Exit code
0 when every row is ok (or rejected), 1 when some rows failed (reasons in the manifest).

The body is the open mannequin-x mesh (Apache-2.0, no licensed files) unless --smpl-model is given.
Without --root the bundled sample is used: its items are 4 s, so each becomes one whole-source clip
(window_rule "short_source"). See docs/curation.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from curation.clip_render import ClipSettings, ClipTask, render_clip
from curation.executors import EXECUTORS, Executor, Outcome, make_executor
from curation.finedance_source import (
    SourceItem,
    SourcePlan,
    finedance_items,
    plan_source,
    sample_items,
)
from curation.logs import configure_logging
from curation.manifest_store import RowStore, exclusive_output, read_json, remove_temp_files
from curation.preview import write_contact_sheet, write_empty_preview
from curation.stages import Stage, pending, run_stage
from curation.windows import Window
from manifests.finedance import SPLIT_SCHEMES
from models.body.camera_sampling import CameraRanges
from models.body.mesh import MANNEQUIN_LODS
from models.body.render import FLOORS, SceneStyle
from models.files import atomic_write
from models.video.frames import FrameLimits
from models.command_line import (
    ArgumentParser,
    UsageError,
    command,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    reject_unused,
    require_dir,
    require_file,
    require_writable,
)

logger = logging.getLogger("curation.build")

SOURCES = ("finedance", "internet")
DEFAULT_OUT = {"finedance": Path("outputs/ma_data_3d"), "internet": Path("outputs/ma_data_internet")}
INTERNET_ONLY = ("urls", "videos", "config", "vitpose_checkpoint", "detector", "enable_file_urls")
FINEDANCE_ONLY = ("root", "smpl_model")
SAMPLE_NOTICE = ("no --root given: building from the bundled sample (FineDance layout; a real dancer's mocap "
                 "retargeted to SMPL + real CC-BY music; it is NOT FineDance)")  # fmt: skip


def _range(test: Callable[[float], bool], wants: str) -> Callable[[str], tuple[float, float]]:
    """An argparse type for 'LOW,HIGH': two finite numbers passing `test`, LOW <= HIGH."""

    def parse(text: str) -> tuple[float, float]:
        try:
            low, high = (float(x) for x in text.split(","))
        except ValueError:
            low = high = math.nan
        if not (math.isfinite(low) and math.isfinite(high) and test(low) and test(high) and low <= high):
            raise argparse.ArgumentTypeError(f"expected LOW,HIGH {wants} with LOW <= HIGH, got {text!r}")
        return low, high

    return parse


_any_range = _range(lambda v: True, "numbers")
_positive_range = _range(lambda v: v > 0, "numbers > 0")
_elevation_range = _range(lambda v: -90 < v < 90, "degrees in (-90, 90)")


def _resolution(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError:
        width = height = 0
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, both even and > 0 (H.264), e.g. 512x512, "
                                         f"got {text!r}")  # fmt: skip
    if (problem := FrameLimits.from_env().problem(width, height)) is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return width, height


def _rgb(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(x) for x in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or not all(0 <= v <= 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected R,G,B in [0,1], got {text!r}")
    return values  # type: ignore[return-value]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="python -m curation.build", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", choices=SOURCES, required=True, help="which MA-Data part to build")
    parser.add_argument(
        "--root", type=Path, help="FineDance root (motion/, music/, label_json/); default: the bundled sample"
    )
    parser.add_argument(
        "--out", type=Path, help=f"output folder (default {DEFAULT_OUT['finedance']} or {DEFAULT_OUT['internet']})"
    )
    parser.add_argument(
        "--executor", choices=EXECUTORS, default="local", help="local process pool or Ray (extra 'cluster')"
    )
    parser.add_argument(
        "--workers", type=positive_int, default=os.cpu_count(), help="parallel workers (1: in this process)"
    )
    parser.add_argument(
        "--ray-address", help="join a running Ray cluster ('auto' or host:port); default: start a local one"
    )
    parser.add_argument("--retry-failed", action="store_true", help="redo failed rows (finished clips are always kept)")
    parser.add_argument("--limit", type=positive_int, help="only the first N sources (by id)")
    group = parser.add_argument_group("internet source")
    group.add_argument("--urls", type=Path, help="URL list: text (one a line), CSV or Parquet with url[, genre, tags]")
    group.add_argument("--videos", type=Path, help="a folder of local videos (searched recursively)")
    group.add_argument("--config", type=Path, help="YAML overriding curation/configs/internet.yaml")
    group.add_argument("--pose", choices=("mediapipe", "vitpose"), default="mediapipe", help="2D pose estimator")
    group.add_argument("--vitpose-checkpoint", type=Path, help="easy_ViTPose .pth (or set MACE_VITPOSE)")
    group.add_argument("--detector", help="person boxes for ViTPose: 'mediapipe' (default) or a YOLOv8 .onnx path")
    group.add_argument(
        "--enable-file-urls", action="store_true", help="allow file:// URLs in the list (off: they are rejected)"
    )
    parser.add_argument(
        "--split-scheme", choices=SPLIT_SCHEMES, default="cross_genre", help="FineDance split to record"
    )
    group = parser.add_argument_group("clips")
    group.add_argument("--clip-seconds", type=_positive_range, default=(5.0, 10.0), metavar="MIN,MAX",
                       help="clip length range (default 5,10)")  # fmt: skip
    group.add_argument("--fps", type=positive_float, help="video frame rate (default: the motion's, 30 for FineDance)")
    group.add_argument("--seed", type=int, default=0, help="seed of the per-clip camera draws")
    group = parser.add_argument_group("rendering")
    group.add_argument(
        "--resolution", type=_resolution, default=(512, 512), metavar="WxH", help="frame size (default 512x512)"
    )
    group.add_argument(
        "--body-detail", type=int, choices=MANNEQUIN_LODS, default=0, help="mannequin level of detail (0 finest)"
    )
    group.add_argument(
        "--smpl-model",
        type=Path,
        help="SMPL / SMPL-X model file (SMPL_NEUTRAL.pkl, SMPLX_NEUTRAL.npz) to render instead of the mannequin",
    )
    group.add_argument(
        "--azimuth",
        type=_any_range,
        default=CameraRanges.azimuth_deg,
        metavar="LO,HI",
        help="degrees from the dancer's facing (default -45,45)",
    )
    group.add_argument("--elevation", type=_elevation_range, default=CameraRanges.elevation_deg, metavar="LO,HI",
                       help="degrees (default 0,20)")  # fmt: skip
    group.add_argument(
        "--distance",
        type=_positive_range,
        default=CameraRanges.distance_m,
        metavar="LO,HI",
        help="metres, widened to fit the body (default 3,5.5)",
    )
    group.add_argument(
        "--focal-mm",
        type=_positive_range,
        default=CameraRanges.focal_mm,
        metavar="LO,HI",
        help="35 mm-equivalent focal length (default 28,50)",
    )
    group.add_argument("--floor", choices=FLOORS, default=SceneStyle.floor, help="floor style (default checker)")
    group.add_argument(
        "--background", type=_rgb, default=SceneStyle.background, metavar="R,G,B", help="background colour in [0,1]"
    )
    group.add_argument(
        "--body-color", type=_rgb, default=SceneStyle.body_color, metavar="R,G,B", help="body colour in [0,1]"
    )
    group.add_argument("--ambient", type=nonnegative_float, default=SceneStyle.ambient,
                       help="ambient light (default 0.35)")  # fmt: skip
    group.add_argument(
        "--key-light", type=nonnegative_float, default=SceneStyle.key_light, help="key light intensity (default 0.65)"
    )
    parser.add_argument("--preview", type=nonnegative_int, default=6,
                        help="clips in the contact sheet preview.png (0: none)")  # fmt: skip
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="DEBUG also shows third-party libraries' logs (Ray, yt-dlp, MediaPipe's C++ lines)")
    args = parser.parse_args(argv)
    args.out = args.out or DEFAULT_OUT[args.source]
    return args


def settings_from_args(args: argparse.Namespace) -> ClipSettings:
    style = SceneStyle(body_color=args.body_color, background=args.background, floor=args.floor,
                       ambient=args.ambient, key_light=args.key_light)  # fmt: skip
    cameras = CameraRanges(args.azimuth, args.elevation, args.distance, args.focal_mm)
    body = str(args.smpl_model.resolve()) if args.smpl_model else f"mannequin:{args.body_detail}"
    width, height = args.resolution
    min_s, max_s = args.clip_seconds
    return ClipSettings(width, height, args.fps, min_s, max_s, body, cameras, style, args.seed)


def check_config(out_dir: Path, config: dict) -> None:
    """Refuse to mix clips made with different settings in one folder."""
    path = out_dir / "config.json"
    if path.is_file():
        previous = read_json(path, "build config", "use another --out")
        changed = sorted(k for k in set(previous) | set(config) if previous.get(k) != config.get(k))
        if changed:
            raise UsageError(f"{out_dir}: built with different settings ({', '.join(changed)}); use another --out")
    else:
        text = json.dumps(config, indent=1, sort_keys=True).encode()
        atomic_write(path, lambda handle: handle.write(text))


def _failed_row(item: SourceItem, row_id: str, status: str, reason: str, window: Window | None = None) -> dict:
    row = item.base_row(row_id)
    row.update(status=status, reason=reason)
    if window is not None:
        row.update(start_frame=window.start, end_frame=window.end, start_s=window.start / item.fps,
                   end_s=window.end / item.fps, window_rule=window.rule)  # fmt: skip
    return row


def _load_plan(out_dir: Path, item: SourceItem, settings: ClipSettings) -> SourcePlan | None:
    """The plan saved by an earlier run with the same clip lengths, or None (none, other lengths, unreadable)."""
    path = out_dir / "plans" / f"{item.row_id}.json"
    if not path.is_file():
        return None
    try:
        saved = read_json(path, "saved plan")
        if saved["clip_seconds"] != [settings.min_s, settings.max_s]:
            return None
        plan = saved["plan"]
        return SourcePlan(tuple(Window(**w) for w in plan["windows"]), plan["num_frames"], plan["motion_sha256"],
                          plan["music_sha256"])  # fmt: skip
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("%s: planning again (%s)", path, error)
        return None


def _save_plan(out_dir: Path, item: SourceItem, settings: ClipSettings, plan: SourcePlan) -> None:
    text = json.dumps({"clip_seconds": [settings.min_s, settings.max_s], "plan": asdict(plan)}, indent=1).encode()
    atomic_write(out_dir / "plans" / f"{item.row_id}.json", lambda handle: handle.write(text))


def plan_sources(items: list[SourceItem], settings: ClipSettings, store: RowStore, executor: Executor,
                 retry_failed: bool) -> dict[str, SourcePlan]:  # fmt: skip
    """Plan every source that needs it (cached plans reused); failed/rejected sources get their row."""
    plans: dict[str, SourcePlan] = {}
    to_plan = []
    for item in items:
        if item.rejection:
            store.put(_failed_row(item, item.row_id, "rejected", item.rejection))
        elif store.is_done(item.row_id, retry_failed):
            continue  # a failed source row kept as is
        elif (plan := _load_plan(store.out_dir, item, settings)) is not None:
            plans[item.row_id] = plan
        else:
            to_plan.append(item)

    def record(item: SourceItem, outcome: Outcome) -> None:
        if outcome.ok:
            plans[item.row_id] = outcome.value
            _save_plan(store.out_dir, item, settings, outcome.value)
        else:
            store.put(_failed_row(item, item.row_id, "failed", outcome.error))

    stage = Stage("plan", functools.partial(plan_source, min_s=settings.min_s, max_s=settings.max_s), "source")
    run_stage(stage, to_plan, executor, record)
    return plans


def render_clips(tasks: list[ClipTask], store: RowStore, executor: Executor, retry_failed: bool) -> None:
    def record(task: ClipTask, outcome: Outcome) -> None:
        if outcome.ok:
            store.put(outcome.value)
        else:  # a failed clip keeps its row, not its files
            shutil.rmtree(store.out_dir / "clips" / task.clip_id, ignore_errors=True)
            store.put(_failed_row(task.item, task.clip_id, "failed", outcome.error, task.window))

    todo = pending(tasks, lambda task: task.clip_id, store, retry_failed)
    logger.info("%d clips planned, %d to render", len(tasks), len(todo))
    run_stage(Stage("render", render_clip, "clip"), todo, executor, record)


def _drop_stale_rows(store: RowStore, items: list[SourceItem], current: set[str]) -> None:
    """Delete rows of these sources that the current plan no longer has (e.g. a source that now plans fine)."""
    prefixes = tuple(f"{i.row_id}_" for i in items)
    ids = {i.row_id for i in items}
    other_sources = {r for r in store.rows if r not in ids and not r.startswith(prefixes)}
    stale = store.drop_except(current | other_sources)
    if stale:
        logger.warning("dropped %d rows of an earlier plan: %s", len(stale), ", ".join(stale[:5]))


def worker_env(args: argparse.Namespace) -> dict[str, str]:
    """GL platform for the workers; one llvmpipe thread each when several workers share the CPU."""
    env = {"PYOPENGL_PLATFORM": os.environ["PYOPENGL_PLATFORM"]}
    if (args.executor == "ray" or args.workers > 1) and "LP_NUM_THREADS" not in os.environ:
        env["LP_NUM_THREADS"] = "1"
    return env


def build(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.root is None:
        logger.info(SAMPLE_NOTICE)
        items = sample_items()
    else:
        items = finedance_items(args.root.resolve(), args.split_scheme)
    items = items[: args.limit] if args.limit is not None else items
    out_dir = args.out.resolve()
    config = {"source": args.source, "root": str(args.root.resolve()) if args.root else "bundled_sample",
              "split_scheme": args.split_scheme, "settings": json.loads(settings.as_json())}  # fmt: skip
    with exclusive_output(out_dir):
        remove_temp_files(out_dir)
        check_config(out_dir, config)
        store = RowStore(out_dir)
        executor = make_executor(args.executor, args.workers, args.ray_address, worker_env(args))
        try:
            plans = plan_sources(items, settings, store, executor, args.retry_failed)
            tasks = [
                ClipTask(item, plans[item.row_id], window, item.clip_id(k), out_dir, settings)
                for item in items
                if item.row_id in plans
                for k, window in enumerate(plans[item.row_id].windows)
            ]
            _drop_stale_rows(
                store, items, {task.clip_id for task in tasks} | {i.row_id for i in items if i.row_id not in plans}
            )
            render_clips(tasks, store, executor, args.retry_failed)
        finally:
            executor.close()
        table = store.write_manifest(out_dir / "manifest.parquet", {"build_config": json.dumps(config, sort_keys=True)})
        rows = table.to_pylist()
        ok_rows = [r for r in rows if r["status"] == "ok"]
        if args.preview and ok_rows:
            write_contact_sheet(out_dir, ok_rows[: args.preview], out_dir / "preview.png")
        elif args.preview:
            write_empty_preview(rows, out_dir / "preview.png")
    counts = Counter(r["status"] for r in rows)
    short = sum(r["window_rule"] == "short_source" for r in ok_rows)
    if short:
        logger.warning("%d clips come from sources shorter than %g s and cover the whole source", short, settings.min_s)
    for row in rows:
        if row["status"] == "failed":
            logger.warning("failed %s: %s", row["id"], row["reason"])
    logger.info("manifest %s: %s", out_dir / "manifest.parquet", dict(sorted(counts.items())))
    return 1 if counts.get("failed") else 0


def check_args(args: argparse.Namespace) -> None:
    """Refuse the other source's flags, missing inputs and an unusable --out, before any work."""
    if args.source == "internet":
        reject_unused(args, FINEDANCE_ONLY, "only for --source finedance")
        if args.urls is None and args.videos is None:
            raise UsageError("--source internet needs --urls FILE and/or --videos DIR")
    else:
        reject_unused(args, INTERNET_ONLY, "only for --source internet")
    for name in ("root", "videos"):
        if getattr(args, name) is not None:
            require_dir(getattr(args, name), f"--{name}")
    for name in ("urls", "config", "smpl_model", "vitpose_checkpoint"):
        if getattr(args, name) is not None:
            require_file(getattr(args, name), f"--{name.replace('_', '-')}")
    if args.detector not in (None, "mediapipe"):
        require_file(args.detector, "--detector")
    require_writable(args.out, "--out", folder=True)


@command
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check_args(args)
    configure_logging(args.log_level)
    if args.source == "internet":
        from curation.internet_build import build_internet

        return build_internet(args, check_config)
    return build(args)


if __name__ == "__main__":
    sys.exit(main())
