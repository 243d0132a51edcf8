"""Driver of `python -m curation.build --source internet`: download -> process -> dedup -> media -> manifest.

Stages: download -> process (shots, pose on sampled frames, filters, clip files) -> near-duplicates ->
pose + face videos of the kept clips (curation/clip_media.py), on the chosen executor (local processes
or Ray). Download failures are classified: permanent ones (unavailable, private, removed, unsupported)
become rejected rows; transient ones (403, 429, bot checks, timeouts) are retried in later passes, then
recorded as failed. --retry-failed redoes failed
sources and those rejected as unavailable by a download error (the verdict may have been a network hiccup).
A source is finished when its `sources/<id>/done.json` lists rows that are all stored, so a run killed
at any point redoes only unfinished sources, reusing their download and finished clips.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import shutil
import time
from collections import Counter
from pathlib import Path

import yaml

from curation.clip_media import MediaTask, clip_media
from curation.download import is_transient, write_download_archive
from curation.executors import Executor, Outcome, make_executor
from curation.filters import hamming
from curation.internet_source import (
    SourceTask,
    fetch_source,
    make_tasks,
    process_source,
)
from curation.manifest_store import RowStore, exclusive_output, read_json, remove_temp_files
from curation.preview import write_internet_contact_sheet
from curation.shots import DETECTORS
from curation.stages import Stage, run_stage
from manifests.internet import INTERNET_SCHEMA
from models.command_line import InputError
from models.files import atomic_write

logger = logging.getLogger("curation.internet")

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "internet.yaml"
UNAVAILABLE_DOWNLOAD = "unavailable: DownloadFailed:"  # reason prefix of a source rejected by its download


NULLABLE = {("download", "ratelimit"): 1.0, ("download", "cookiefile"): ""}  # keys whose default is null: their type
POSITIVE = {("download", "max_height"), ("pose", "sample_fps"), ("pose", "max_side"), ("windows", "min_s")}
CHOICES = {("shots", "detector"): DETECTORS, ("pose", "estimator"): ("mediapipe", "vitpose")}


def load_config(path: Path | None = None) -> dict:
    """The default config with the sections of `path` (YAML) merged over it, every value's type checked."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    if path is None:
        return config
    try:
        override = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise InputError(path, f"not UTF-8 text ({error})") from None
    except OSError as error:
        raise InputError(path, f"unreadable config ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise InputError(path, f"not readable YAML ({error})") from None
    override = {} if override is None else override
    if not isinstance(override, dict):
        raise InputError(path, f"expected a mapping of sections ({', '.join(config)}), got {_kind(override)}")
    for section, values in override.items():
        if section not in config:
            raise InputError(path, f"unknown config section {section!r}; expected one of {sorted(config)}")
        if not isinstance(values, dict):
            raise InputError(path, f"{section}: expected a mapping of keys to values, got {_kind(values)}")
        unknown = sorted(set(values) - set(config[section]))
        if unknown:
            raise InputError(path, f"unknown keys in {section}: {unknown}; expected some of {sorted(config[section])}")
        for key, value in values.items():
            _check_value(path, section, key, value, config[section][key])
        config[section].update(values)
    if config["windows"]["min_s"] > config["windows"]["max_s"]:
        raise InputError(path, f"windows.min_s {config['windows']['min_s']} is more than windows.max_s "
                         f"{config['windows']['max_s']}")  # fmt: skip
    return config


def _kind(value: object) -> str:
    """'a list', 'a string', ... for messages about a value of the wrong type."""
    names = {list: "a list", dict: "a mapping", str: "a string", bool: "true/false", type(None): "nothing (null)"}
    return names.get(type(value), f"a {type(value).__name__}")


def _check_value(path: Path, section: str, key: str, value: object, default: object) -> None:
    """InputError naming the file and key when `value` lacks the type (or range) of the default's."""
    name = f"{section}.{key}"
    if (section, key) in NULLABLE:
        if value is None:
            return
        default = NULLABLE[(section, key)]
    if isinstance(default, str):
        choices = CHOICES.get((section, key), ())
        if not isinstance(value, str) or (choices and value not in choices):
            wants = f"one of {', '.join(choices)}" if choices else "a string"
            raise InputError(path, f"{name}: expected {wants}, got {value!r}")
        return
    whole = isinstance(default, int)
    wants = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float) or not math.isfinite(value):
        raise InputError(path, f"{name}: expected {wants}, got {value!r}")
    least = "> 0" if (section, key) in POSITIVE else ">= 0"
    if value < 0 or (value == 0 and least == "> 0"):
        raise InputError(path, f"{name}: expected {wants} {least}, got {value!r}")


def _source_done(store: RowStore, task: SourceTask, retry_failed: bool) -> bool:
    marker = task.source_dir / "done.json"
    if not marker.is_file():
        return False
    ids = read_json(marker, "source marker", "delete it to redo the source")
    if retry_failed and any(_download_rejected(store.rows.get(row_id)) for row_id in ids):
        return False
    return all(store.is_done(row_id, retry_failed) for row_id in ids)


def _download_rejected(row: dict | None) -> bool:
    """A source rejected as unavailable because its download failed: --retry-failed tries it again."""
    return row is not None and row["status"] == "rejected" and row["reason"].startswith(UNAVAILABLE_DOWNLOAD)


def _replace_source_rows(store: RowStore, task: SourceTask, rows: list[dict]) -> None:
    """Store a source's rows, drop its rows of an earlier attempt, then mark the source finished."""
    new = {row["id"] for row in rows}
    stale = [r for r, row in store.rows.items() if row["source_id"] == task.source_id and r not in new]
    store.drop_except(set(store.rows) - set(stale))
    for row in rows:
        store.put(row)
    text = json.dumps(sorted(new)).encode()
    atomic_write(task.source_dir / "done.json", lambda handle: handle.write(text))


def _source_row(task: SourceTask, status: str, reason: str) -> dict:
    return {**task.base_row(task.source_id), "status": status, "reason": reason}


def download_sources(tasks: list[SourceTask], store: RowStore, executor: Executor, passes: int) -> list[SourceTask]:
    """Fetch every task; returns those fetched. Transient failures get `passes` more tries, with growing pauses."""
    fetched, todo = [], list(tasks)
    for attempt in range(passes + 1):
        transient: list[tuple[SourceTask, str]] = []

        def record(task: SourceTask, outcome: Outcome, transient: list = transient) -> None:
            if outcome.ok:
                fetched.append(task)
            elif is_transient(outcome.error):
                transient.append((task, outcome.error))
            else:
                _replace_source_rows(store, task, [_source_row(task, "rejected", f"unavailable: {outcome.error}")])

        run_stage(Stage("download", fetch_source, "video"), todo, executor, record)
        if not transient:
            break
        todo = [task for task, _ in transient]
        if attempt < passes:
            logger.warning("%d downloads failed transiently; retrying after %d s", len(todo), 30 * (attempt + 1))
            time.sleep(30 * (attempt + 1))
    else:
        for task, error in transient:
            _replace_source_rows(store, task, [_source_row(task, "failed", f"download_transient: {error}")])
    return sorted(fetched, key=lambda t: t.source_id)


def _process(task: SourceTask, done: frozenset[str]) -> list[dict]:
    return process_source(task, done)


def process_sources(tasks: list[SourceTask], store: RowStore, executor: Executor) -> None:
    """Run the per-source worker; a worker error becomes one failed row for the source."""
    finished = frozenset(r for r, row in store.rows.items() if row["status"] == "ok" and store.is_done(r, False))

    def record(task: SourceTask, outcome: Outcome) -> None:
        rows = outcome.value if outcome.ok else [_source_row(task, "failed", outcome.error)]
        _replace_source_rows(store, task, rows)

    run_stage(Stage("process", functools.partial(_process, done=finished), "video"), tasks, executor, record)


def remove_duplicates(store: RowStore, max_bits: int) -> int:
    """Reject later (by id) clips whose dHash is within `max_bits` of an earlier kept clip; returns how many."""
    candidates = sorted(r for r, row in store.rows.items()
                        if row.get("dhash") and (row["status"] == "ok" or (row["reason"] or "").startswith("duplicate")))
    kept: list[str] = []
    rejected = 0
    for row_id in candidates:
        row = store.rows[row_id]
        distance = min((hamming(row["dhash"], store.rows[k]["dhash"]) for k in kept), default=64)
        row = {**row, "score_duplicate": float(distance)}
        if distance <= max_bits:
            shutil.rmtree(store.out_dir / "clips" / row_id, ignore_errors=True)
            row.update(status="rejected", reason=f"duplicate: {distance} bits from an earlier clip",
                       video=None, audio=None, keypoints=None, pose_video=None, face_video=None,
                       face_coverage=None)  # fmt: skip
            rejected += 1
        else:
            kept.append(row_id)
        if row != store.rows[row_id]:
            store.put(row)
    return rejected


def make_clip_media(store: RowStore, executor: Executor) -> None:
    """The media stage: pose and face videos of every kept clip that lacks them; a failure fails the row."""
    todo = [MediaTask(store.out_dir, r, row["video"]) for r, row in sorted(store.rows.items())
            if row["status"] == "ok" and not (row.get("pose_video") and store.is_done(r, False))]  # fmt: skip

    def record(task: MediaTask, outcome: Outcome) -> None:
        row = store.rows[task.clip_id]
        if outcome.ok:
            store.put({**row, **outcome.value})
        else:
            store.put({**row, "status": "failed", "reason": f"clip_media: {outcome.error}"})

    run_stage(Stage("pose+face videos", clip_media, "clip"), todo, executor, record)


def summary_table(rows: list[dict]) -> str:
    """Markdown table: kept clips and rejected/failed rows per reason (the text before ':')."""
    counts = Counter((row["status"], (row["reason"] or "").split(":")[0] or "-") for row in rows)
    lines = ["| status | reason | rows |", "|---|---|---|"]
    lines += [f"| {status} | {reason} | {n} |" for (status, reason), n in sorted(counts.items())]
    return "\n".join(lines) + f"\n\n{sum(r['status'] == 'ok' for r in rows)} clips kept of {len(rows)} rows.\n"


def build_internet(args: argparse.Namespace, check_config) -> int:
    """The whole internet build; exit code 1 when some rows failed."""
    config = load_config(args.config)
    out_dir = args.out.resolve()
    pose_options = {"estimator": args.pose, **({"checkpoint": str(args.vitpose_checkpoint)}
                    if args.vitpose_checkpoint else {}), **({"detector": str(args.detector)} if args.detector else {})}
    tasks = make_tasks(out_dir, config, args.urls, args.videos, args.enable_file_urls, pose_options)
    tasks = tasks[: args.limit] if args.limit is not None else tasks
    with exclusive_output(out_dir):
        remove_temp_files(out_dir)
        check_config(out_dir, {"source": "internet", "config": config, "pose": pose_options})
        store = RowStore(out_dir, INTERNET_SCHEMA)
        todo = [task for task in tasks if not _source_done(store, task, args.retry_failed)]
        logger.info("%d sources, %d to do", len(tasks), len(todo))
        executor = make_executor(args.executor, args.workers, args.ray_address)
        for task in (task for task in todo if task.problem):
            _replace_source_rows(store, task, [_source_row(task, "failed", task.problem)])
        try:
            fetched = download_sources([t for t in todo if not t.problem], store, executor,
                                       config["download"]["transient_passes"])  # fmt: skip
            write_download_archive(out_dir / "sources")
            process_sources(fetched, store, executor)
            duplicates = remove_duplicates(store, config["filters"]["duplicate_hamming"])
            make_clip_media(store, executor)
        finally:
            executor.close()
        table = store.write_manifest(out_dir / "manifest.parquet", {"build_config": json.dumps(config, sort_keys=True)})
        rows = table.to_pylist()
        summary = summary_table(rows)
        atomic_write(out_dir / "summary.md", lambda handle: handle.write(summary.encode()))
        if args.preview:
            write_internet_contact_sheet(out_dir, rows, out_dir / "preview.png", args.preview)
    logger.info("%d near-duplicates rejected\n%s", duplicates, summary)
    for row in rows:
        if row["status"] == "failed":
            logger.warning("failed %s: %s", row["id"], row["reason"])
    return 1 if any(row["status"] == "failed" for row in rows) else 0
