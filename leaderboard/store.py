"""Entry storage: any SQLAlchemy database (SQLite file by default) plus one JSON file per entry.

The JSON files (`leaderboard/data/entries/<id>.json`, the id derived from the duplicate key) are
the reviewable, committed record and are written first, created once: the loser of a submit race
finds the file there and gets a `DuplicateEntry`. The row follows in its own transaction (SQLite
writers wait on the lock, busy timeout, rather than fail; a unique constraint on (protocol, method,
checkpoint) guards it too). A kill between file and row leaves a complete file that the next
command's `sync_entry_files` imports, never a row without its file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from leaderboard.entry import duplicate_key
from models.files import atomic_write_text

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_URL = f"sqlite:///{DATA_DIR / 'leaderboard.sqlite'}"
DEFAULT_ENTRIES_DIR = DATA_DIR / "entries"
SQLITE_BUSY_TIMEOUT_S = 60

_metadata = MetaData()
ENTRIES = Table(
    "leaderboard_entries",
    _metadata,
    Column("id", String(200), primary_key=True),
    Column("protocol_id", String(100), nullable=False),
    Column("method_name", String(200), nullable=False),
    Column("checkpoint", String(64), nullable=False),
    Column("submitted_at", String(40), nullable=False),
    Column("document", Text, nullable=False),
    UniqueConstraint("protocol_id", "method_name", "checkpoint", name="uq_entry_key"),
)


class DuplicateEntry(ValueError):
    """An entry with the same protocol, method name and checkpoint is already stored."""


class Store:
    """Submission documents in a database, mirrored to `entries_dir` as JSON files."""

    def __init__(self, url: str | None = None, entries_dir: str | os.PathLike | None = None):
        self.url = url or DEFAULT_URL
        self.entries_dir = Path(entries_dir) if entries_dir is not None else DEFAULT_ENTRIES_DIR
        self.reports_dir = self.entries_dir.parent / "reports"  # <entry id>/ picture folders (leaderboard.reports)
        parsed = make_url(self.url)
        connect_args = {}
        if parsed.get_backend_name() == "sqlite":
            connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url, connect_args=connect_args)
        with self.engine.begin() as conn:
            conn.execute(CreateTable(ENTRIES, if_not_exists=True))

    def entry_path(self, entry_id: str) -> Path:
        return self.entries_dir / f"{entry_id}.json"

    def add(self, doc: dict, *, write_file: bool = True) -> None:
        """Store one submission document: entry file first (created once, atomically), then its row.

        `write_file=False` imports an existing entry file. Raise `DuplicateEntry` when the entry is already
        stored (as a file or a row); a row already holding this very document (imported from our file by a
        concurrent command) counts as stored."""
        if write_file and not self.write_entry_file(doc):
            raise self._duplicate(doc)
        protocol_id, method_name, checkpoint = duplicate_key(doc["results"])
        row = {
            "id": doc["id"],
            "protocol_id": protocol_id,
            "method_name": method_name,
            "checkpoint": checkpoint,
            "submitted_at": doc["submitted_at"],
            "document": json.dumps(doc, sort_keys=True),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(ENTRIES.insert().values(**row))
        except IntegrityError:
            if not (write_file and self.document(doc["id"]) == json.loads(row["document"])):
                raise self._duplicate(doc) from None

    def write_entry_file(self, doc: dict) -> bool:
        """Create the entry file of `doc` atomically; False when it already exists (it is never replaced)."""
        text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
        try:
            atomic_write_text(self.entry_path(doc["id"]), text, exclusive=True)
        except FileExistsError:
            return False
        return True

    def _duplicate(self, doc: dict) -> DuplicateEntry:
        protocol_id, method_name, checkpoint = duplicate_key(doc["results"])
        return DuplicateEntry(
            f"duplicate: method {method_name!r} with checkpoint {checkpoint} under {protocol_id} "
            f"is already stored as entry {doc['id']}"
        )

    def document(self, entry_id: str) -> dict | None:
        """The stored submission document with this id, if any."""
        with self.engine.connect() as conn:
            text = conn.execute(select(ENTRIES.c.document).where(ENTRIES.c.id == entry_id)).scalar()
        return None if text is None else json.loads(text)

    def find_id(self, results: dict) -> str | None:
        """The id of the stored entry with the same duplicate key as these results, if any."""
        protocol_id, method_name, checkpoint = duplicate_key(results)
        query = select(ENTRIES.c.id).where(
            ENTRIES.c.protocol_id == protocol_id,
            ENTRIES.c.method_name == method_name,
            ENTRIES.c.checkpoint == checkpoint,
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(ENTRIES.c.id)).scalars())

    def documents(self, protocol_id: str | None = None) -> list[dict]:
        """Stored submission documents, oldest first, optionally for one protocol."""
        query = select(ENTRIES.c.document).order_by(ENTRIES.c.submitted_at, ENTRIES.c.id)
        if protocol_id is not None:
            query = query.where(ENTRIES.c.protocol_id == protocol_id)
        with self.engine.connect() as conn:
            return [json.loads(text) for text in conn.execute(query).scalars()]

    def entry_files(self) -> list[Path]:
        """Committed entry files, sorted by name."""
        return sorted(self.entries_dir.glob("*.json")) if self.entries_dir.is_dir() else []
