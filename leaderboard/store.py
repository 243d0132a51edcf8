"""Entry storage: any SQLAlchemy database (SQLite file by default) plus one JSON file per entry.

The database's unique constraint on (protocol, method, checkpoint) is what makes concurrent
submitters safe: each insert is one statement in its own transaction, the loser of a race gets a
`DuplicateEntry`, and SQLite writers wait on the lock (busy timeout) rather than fail. The JSON
files (`leaderboard/data/entries/<id>.json`) are the reviewable, committed copy.
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

from benchmark.results import write_atomic
from leaderboard.entry import duplicate_key

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
        """Insert one submission document; raise `DuplicateEntry` naming the stored one."""
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
            raise DuplicateEntry(
                f"duplicate: method {method_name!r} with checkpoint {checkpoint} under {protocol_id} "
                f"is already stored as entry {self.find_id(doc['results']) or '(concurrently removed)'}"
            ) from None
        if not write_file:
            return
        try:
            write_atomic(self.entry_path(doc["id"]), json.dumps(doc, indent=1, sort_keys=True) + "\n")
        except BaseException:
            with self.engine.begin() as conn:
                conn.execute(ENTRIES.delete().where(ENTRIES.c.id == doc["id"]))
            raise

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
