"""The internet source: read the input list, download each video, and turn one source video into clip rows.

`process_source` is the per-source worker: probe -> shots -> windows -> pose on sampled frames ->
audio rhythm -> filter scores -> clip files for the windows that pass. Bad media (corrupt, truncated,
zero frames) becomes one rejected row; windows of a good source each get a row with every score.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curation.download import download
from curation.filters import dhash, failure_reason, pose_scores, rhythm_score, thresholds
from curation.internet_clips import cut_clip, extract_audio, keyframe_times
from curation.manifest_store import read_json
from curation.shots import detect_shots, detector_description, shot_windows
from models.command_line import InputError
from models.files import atomic_write, sha256_file
from models.music import onset_envelope, track_beats
from models.music.audio import load_audio
from models.pose import load_pose_estimator, to_coco25
from models.pose.base import PoseFrames
from models.video.frames import FrameLimits
from models.video.io import probe_video, read_frames_at

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v")
RHYTHM_FPS = 30  # onset envelope grid (sr = 30 * 512)


@dataclass(frozen=True)
class SourceTask:
    """One input video: a URL (downloaded into out_dir/sources/<id>/) or a local file."""

    source_id: str
    url: str
    out_dir: Path
    config: dict = field(hash=False)
    local_path: Path | None = None
    genre: str | None = None
    tags: tuple[str, ...] = ()
    enable_file_urls: bool = False
    pose_options: tuple[tuple[str, str], ...] = ()
    problem: str | None = None  # a list row that cannot be fetched (no URL): recorded as a failed row

    @property
    def source_dir(self) -> Path:
        return self.out_dir / "sources" / self.source_id

    def base_row(self, row_id: str) -> dict:
        return {"id": row_id, "source": "internet", "source_id": self.source_id, "url": self.url or None,
                "genre": self.genre, "tags": list(self.tags), "split": "train"}  # fmt: skip


def _source_id(key: str, stem: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-")[:24] or "video"
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _decode(path: Path) -> str:
    """The text of a URL list, InputError naming the line of the first byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
                         "save the list as UTF-8") from None  # fmt: skip


def _text_rows(path: Path) -> list[dict]:
    """Rows of a text list: one URL a line, blank lines and # comments skipped."""
    return [{"url": line.strip(), "where": f"line {n}"} for n, line in enumerate(_decode(path).splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip


def _csv_rows(path: Path) -> list[dict]:
    """Rows of a CSV list with a header line; InputError naming the line where a row is not valid CSV."""
    reader = csv.DictReader(io.StringIO(_decode(path), newline=""), strict=True)
    rows, start = [], 2
    try:
        for row in reader:
            if None in row:
                raise InputError(path, f"line {reader.line_num} has more fields than the header {reader.fieldnames}")
            rows.append({**row, "where": f"line {reader.line_num}"})
            start = reader.line_num + 1
    except csv.Error as error:
        what = f"the row starting on line {start} is not valid CSV ({error}; a quote left open?)"
        raise InputError(path, what) from None
    if reader.fieldnames is not None and "url" not in reader.fieldnames:
        raise InputError(path, f"needs a 'url' column, found {sorted(reader.fieldnames)}")
    return rows


def _parquet_rows(path: Path) -> list[dict]:
    """Rows of a Parquet list, its column types checked: url and genre text, tags text or a list of text."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise InputError(path, f"not a readable Parquet file ({error})") from None
    if "url" not in table.schema.names:
        raise InputError(path, f"needs a 'url' column, found {sorted(table.schema.names)}")
    for name, test, wants in LIST_COLUMNS:
        if name in table.schema.names and not test(table.schema.field(name).type):
            raise InputError(path, f"column {name!r} is {table.schema.field(name).type}, expected {wants}")
    return [{**row, "where": f"row {n}"} for n, row in enumerate(table.to_pylist(), 1)]


def _text_type(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)


LIST_COLUMNS = (("url", _text_type, "text (one URL a row)"), ("genre", _text_type, "text"),
                ("tags", lambda k: _text_type(k) or (pa.types.is_list(k) and _text_type(k.value_type)),
                 "text (a;b) or a list of text"))  # fmt: skip


def read_url_list(path: Path) -> list[dict]:
    """Rows {url, genre, tags, where} from a text (one URL a line, # comments), CSV or Parquet file with a url column.

    A list with no URL, or one URL twice, is refused naming the file; an empty url cell stays a row (`url` None).
    """
    rows = {".parquet": _parquet_rows, ".csv": _csv_rows}.get(path.suffix.lower(), _text_rows)(path)
    if not rows:
        raise InputError(path, "lists no URLs")
    seen: dict[str, str] = {}
    for row in rows:
        row["url"] = (row.get("url") or "").strip() or None
        if row["url"] in seen:
            raise InputError(path, f"lists {row['url']} twice ({seen[row['url']]} and {row['where']})")
        if row["url"] is not None:
            seen[row["url"]] = row["where"]
        tags = row.get("tags") or ()
        row["tags"] = tuple(tags.split(";") if isinstance(tags, str) else tags)
        row["genre"] = row.get("genre") or None
    return rows


def make_tasks(out_dir: Path, config: dict, urls: Path | None = None, videos: Path | None = None,
               enable_file_urls: bool = False, pose_options: dict | None = None) -> list[SourceTask]:  # fmt: skip
    """Tasks for every URL of the list and every video file under `videos`, sorted by source id.

    A row without a URL becomes a task with a `problem` (a failed row, never downloaded).
    """
    options = tuple(sorted((pose_options or {}).items()))
    tasks = []
    for row in read_url_list(urls) if urls else []:
        url = row["url"] or ""
        key, stem = (url, url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]) if url else (row["where"], row["where"])
        problem = None if url else f"bad_url: {row['where']} of {urls} has no URL"
        tasks.append(SourceTask(_source_id(key, stem), url, out_dir, config, None, row["genre"], row["tags"],
                                enable_file_urls, options, problem))  # fmt: skip
    if videos is not None:
        for path in sorted(p for p in videos.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES):
            path = path.resolve()
            tasks.append(SourceTask(_source_id(str(path), path.stem), path.as_uri(), out_dir, config, path,
                                    pose_options=options))  # fmt: skip
    return sorted(tasks, key=lambda t: t.source_id)


def fetch_source(task: SourceTask) -> dict:
    """Download (or register a local file) once; returns the saved record {file, provenance...}."""
    record_path = task.source_dir / "source.json"
    if record_path.is_file():
        return read_json(record_path, "download record", "delete it to fetch the source again")
    if task.local_path is not None:
        record = {"file": str(task.local_path), "extractor_key": "local", "id": task.local_path.stem,
                  "downloader": "local", "source_sha256": sha256_file(task.local_path)}  # fmt: skip
    else:
        path, record = download(task.url, task.source_dir, task.config["download"], task.enable_file_urls)
        record["file"] = str(path)
    text = json.dumps(record, indent=1, sort_keys=True).encode()
    atomic_write(record_path, lambda handle: handle.write(text))
    return record


def provenance_columns(record: dict) -> dict:
    """Manifest provenance columns from a fetch record."""
    return {"platform": record.get("extractor_key"), "video_id": record.get("id"), "uploader": record.get("uploader"),
            "license": record.get("license"), "upload_date": record.get("upload_date"),
            "downloaded_at": record.get("downloaded_at"), "downloader": record.get("downloader"),
            "format_id": record.get("format_id"), "source_sha256": record.get("source_sha256"),
            "source_file": record.get("file")}  # fmt: skip


@functools.lru_cache(maxsize=2)
def _estimator(options: tuple[tuple[str, str], ...]):
    """One pose estimator per worker process and option set."""
    settings = dict(options)
    return load_pose_estimator(settings.pop("estimator", "mediapipe"), **settings)


def sample_indices(start: int, end: int, fps: float, sample_fps: float) -> np.ndarray:
    """Frames of [start, end) at `sample_fps`, at least 2."""
    count = max(2, math.floor((end - start) / fps * sample_fps))
    return np.unique(np.linspace(start, end - 1, count).round().astype(int))


def _scale_pose(pose: PoseFrames, scale: float, width: int, height: int) -> PoseFrames:
    """Keypoints of downscaled frames back in source pixels."""
    feet = None if pose.foot_keypoints is None else pose.foot_keypoints / scale
    return PoseFrames(pose.keypoints / scale, pose.scores, pose.person_scores, width, height, feet, pose.foot_scores)


def _rhythm_envelope(path: Path) -> np.ndarray | None:
    """Onset envelope of the soundtrack on a 30 fps grid, or None when it cannot be decoded."""
    sr = RHYTHM_FPS * 512
    try:
        return onset_envelope(load_audio(path, sr), sr)
    except (ValueError, RuntimeError, OSError) as error:
        logger.info("%s: no usable soundtrack (%s)", path, error)
        return None


def _audio_scores(envelope: np.ndarray | None, start_s: float, end_s: float) -> tuple[float, float]:
    """(audio present and not silent: 1/0, rhythm score) of a window."""
    if envelope is None:
        return 0.0, math.nan
    part = envelope[round(start_s * RHYTHM_FPS) : round(end_s * RHYTHM_FPS)]
    if len(part) < 2 or float(part.max()) <= 1e-6:
        return 0.0, 0.0
    return 1.0, rhythm_score(part, track_beats(part, RHYTHM_FPS * 512))


def process_source(task: SourceTask, done: frozenset[str] = frozenset()) -> list[dict]:
    """Rows for every window (and too-short shot) of one source; clip files for the windows that pass.

    Clips whose ids are in `done` are scored but not cut again. Unreadable media gives one rejected row.
    """
    config, record = task.config, fetch_source(task)
    path = Path(record["file"])
    base = {**task.base_row(task.source_id), **provenance_columns(record)}
    try:
        info = probe_video(path)
        fps = info.fps
        num_frames = info.num_frames or round(info.duration_s * fps)
        if num_frames <= 0 or fps <= 0:
            return [{**base, "status": "rejected", "reason": "no_frames: the video has no frames"}]
        if (problem := FrameLimits.from_env().problem(info.width, info.height)) is not None:
            return [{**base, "status": "rejected", "reason": f"frame_geometry: {problem}"}]
        shots = detect_shots(str(path), num_frames, config["shots"])
        return _window_rows(task, base, path, info, fps, shots, done)
    except (ValueError, FileNotFoundError, EOFError) as error:
        return [{**base, "status": "rejected", "reason": f"unreadable_video: {error}"}]


def _window_rows(task, base, path, info, fps, shots, done) -> list[dict]:
    config = task.config
    marks = thresholds(config)
    detector_json = json.dumps({"shots": json.loads(detector_description(config["shots"])),
                                "pose": dict(task.pose_options) or {"estimator": "mediapipe"},
                                "pose_sample_fps": config["pose"]["sample_fps"]}, sort_keys=True)  # fmt: skip
    source_scores = {"resolution": float(min(info.width, info.height)), "fps": fps}
    rows, windows = [], []
    for k, shot in enumerate(shots):
        placed = shot_windows(shot, fps, config["windows"]["min_s"], config["windows"]["max_s"],
                              config["shots"]["trim_frames"])  # fmt: skip
        common = {**base, "shot_index": k, "shot_start_frame": shot[0], "shot_end_frame": shot[1],
                  "source_fps": fps, "width": info.width, "height": info.height, "detector_json": detector_json}
        if not placed:
            scores = {**source_scores, "duration": (shot[1] - shot[0]) / fps}
            rows.append({**common, "id": f"{task.source_id}_s{k:03d}", **_score_columns(scores),
                         "start_frame": shot[0], "end_frame": shot[1], "status": "rejected",
                         "reason": failure_reason(scores, marks)})  # fmt: skip
        windows += [(f"{task.source_id}_s{k:03d}_w{j:02d}", common, w) for j, w in enumerate(placed)]
    if not windows:
        return rows
    sample_fps, max_side = config["pose"]["sample_fps"], config["pose"]["max_side"]
    samples = [sample_indices(w.start, w.end, fps, sample_fps) for _, _, w in windows]
    frames = read_frames_at(path, np.concatenate(samples), max_side)
    where = {index: i for i, index in enumerate(sorted(set(np.concatenate(samples).tolist())))}
    pose = _scale_pose(_estimator(task.pose_options).estimate(frames), frames.shape[2] / info.width,
                       info.width, info.height)  # fmt: skip
    all_frames = np.asarray(sorted(where), np.int32)
    arrays = {"frames": all_frames, "keypoints": pose.keypoints, "scores": pose.scores, "person_scores": pose.person_scores}
    atomic_write(task.source_dir / "pose.npz", lambda handle: np.savez_compressed(handle, **arrays))
    envelope = _rhythm_envelope(path) if info.has_audio else None
    keyframes = keyframe_times(path)
    for (clip_id, common, window), picks in zip(windows, samples):
        at = [where[i] for i in picks.tolist()]
        clip_pose = PoseFrames(*(None if a is None else a[at] for a in (pose.keypoints, pose.scores, pose.person_scores)),
                               info.width, info.height,
                               *(None if a is None else a[at] for a in (pose.foot_keypoints, pose.foot_scores)))  # fmt: skip
        start_s, end_s = window.start / fps, window.end / fps
        audio, rhythm = _audio_scores(envelope, start_s, end_s)
        scores = {**source_scores, "duration": end_s - start_s, "audio": audio,
                  **pose_scores(clip_pose, picks / fps, config["pose"]["min_person_score"],
                                config["filters"]["full_body_min_score"], config["filters"]["one_dancer_min_height"]),
                  "rhythm": rhythm}  # fmt: skip
        row = {**common, "id": clip_id, **_score_columns(scores), "start_frame": window.start, "end_frame": window.end,
               "start_s": start_s, "end_s": end_s, "window_rule": window.rule,
               "dhash": dhash(frames[at[len(at) // 2]])}  # fmt: skip
        reason = failure_reason(scores, marks)
        if reason is not None:
            rows.append({**row, "status": "rejected", "reason": reason})
            continue
        copy = bool(len(keyframes)) and float(np.abs(keyframes - start_s).min()) < 0.5 / fps
        rows.append({**row, **_write_clip(task, clip_id, path, start_s, end_s, copy, clip_pose, picks - window.start,
                                          clip_id in done), "status": "ok"})  # fmt: skip
    return rows


def _score_columns(scores: dict[str, float]) -> dict[str, float]:
    return {f"score_{name}": float(value) for name, value in scores.items()}


def _write_clip(task: SourceTask, clip_id: str, source: Path, start_s: float, end_s: float, copy: bool,
                pose: PoseFrames, frames: np.ndarray, exists: bool) -> dict:  # fmt: skip
    """Clip video, audio and keypoints under clips/<id>/ (skipped when already written); row columns."""
    folder = Path("clips") / clip_id
    video, audio, keypoints = folder / "video.mp4", folder / "audio.wav", folder / "keypoints.npz"
    cut = "stream_copy" if copy else "reencode"
    if not (exists and all((task.out_dir / p).is_file() for p in (video, audio, keypoints))):
        clips = task.config["clips"]
        cut = cut_clip(source, start_s, end_s, copy, task.out_dir / video, clips["crf"], clips["preset"])
        extract_audio(source, start_s, end_s, task.out_dir / audio)
        arrays = {"frames": frames.astype(np.int32), "coco17": pose.keypoints, "coco17_scores": pose.scores,
                  "person_scores": pose.person_scores, "coco25": to_coco25(pose)}  # fmt: skip
        atomic_write(task.out_dir / keypoints, lambda handle: np.savez_compressed(handle, **arrays))
    clip = probe_video(task.out_dir / video)
    return {"video": str(video), "audio": str(audio), "keypoints": str(keypoints), "clip_cut": cut,
            "fps": clip.fps, "num_frames": clip.num_frames or round(clip.duration_s * clip.fps),
            "duration_s": end_s - start_s}  # fmt: skip


