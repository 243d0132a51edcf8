"""Clip-granular, crash-safe manifest storage: one JSON row file per clip, consolidated to Parquet.

A clip's row is written (atomically) only after all its files, so a row on disk means a finished
clip; a run killed at any moment leaves only temp files, which the next run deletes. The Parquet
manifest is rebuilt atomically from the row files.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from manifests.schema import CLIP_SCHEMA, PATH_COLUMNS, table_from_rows
from models.command_line import InputError
from models.files import TEMP_GLOB, atomic_write

logger = logging.getLogger(__name__)


@contextmanager
def exclusive_output(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on `out_dir` (released by the kernel even if the process is killed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RuntimeError(f"{out_dir}: another build is writing to this folder") from error
        yield


def read_json(path: Path, what: str, hint: str | None = None) -> Any:
    """A JSON file an earlier run wrote (config, plan, row); InputError naming it and what to do when unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(path, f"not a readable {what} ({error})" + (f"; {hint}" if hint else "")) from None


def remove_temp_files(out_dir: Path) -> int:
    """Delete temp files left by an interrupted run; returns how many."""
    leftovers = list(out_dir.rglob(TEMP_GLOB))
    for path in leftovers:
        path.unlink()
    if leftovers:
        logger.info("removed %d partial files left by an interrupted run", len(leftovers))
    return len(leftovers)


class RowStore:
    """Manifest rows under `out_dir/rows/<id>.json`; paths in rows are relative to `out_dir`."""

    def __init__(self, out_dir: Path, schema: pa.Schema = CLIP_SCHEMA) -> None:
        self.out_dir = out_dir
        self.schema = schema
        self.rows_dir = out_dir / "rows"
        self.rows: dict[str, dict] = {}
        for path in sorted(self.rows_dir.glob("*.json")):
            row = read_json(path, "manifest row", "delete it to redo the clip")
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                raise InputError(path, "manifest row without an 'id'; delete it to redo the clip")
            self.rows[row["id"]] = row

    def put(self, row: dict) -> None:
        """Validate and atomically store one row."""
        table_from_rows([row], self.schema)
        text = json.dumps(row, sort_keys=True, indent=1).encode()
        atomic_write(self.rows_dir / f"{row['id']}.json", lambda handle: handle.write(text))
        self.rows[row["id"]] = row

    def is_done(self, row_id: str, retry_failed: bool) -> bool:
        """True when `row_id` needs no work: ok with all its files present, or failed/rejected and not retried."""
        row = self.rows.get(row_id)
        if row is None:
            return False
        if row["status"] == "ok":
            return all((self.out_dir / row[name]).is_file() for name in PATH_COLUMNS if row.get(name))
        return row["status"] == "rejected" or not retry_failed

    def drop_except(self, keep: Iterable[str]) -> list[str]:
        """Delete rows whose ids are not in `keep` (left by a plan that changed); returns their ids."""
        keep = set(keep)
        stale = sorted(set(self.rows) - keep)
        for row_id in stale:
            (self.rows_dir / f"{row_id}.json").unlink(missing_ok=True)
            del self.rows[row_id]
        return stale

    def write_manifest(self, path: Path, metadata: dict[str, str] | None = None) -> pa.Table:
        """Atomically write all rows as one Parquet manifest (sorted by id) and return the table."""
        table = table_from_rows(self.rows.values(), self.schema)
        merged = {**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in (metadata or {}).items()}}
        table = table.replace_schema_metadata(merged)
        atomic_write(path, lambda handle: pq.write_table(table, handle))
        return table
