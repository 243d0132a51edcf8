"""File helpers used everywhere: atomic writes (file or folder) and content hashes.

One home so every writer has the same guarantee: a reader sees the previous complete file or the
new complete file, never half of one, and a failed write leaves what was there intact.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

TEMP_GLOB = ".*.tmp"  # the pattern of atomic_write's and atomic_path's temp files


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None], *, exclusive: bool = False) -> Path:
    """Run `write(file)` on a temp file in the target's directory, then os.replace it onto `path`.

    With `exclusive`, the complete temp file is hard-linked into place instead, which fails with
    `FileExistsError` when `path` already exists: a create-once record that concurrent writers cannot clobber.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; datasets and results are meant to be shared
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes, *, exclusive: bool = False) -> Path:
    """Atomically write `data` to `path` (see `atomic_write` for `exclusive`)."""
    return atomic_write(path, lambda handle: handle.write(data), exclusive=exclusive)


def atomic_write_text(path: str | Path, text: str, *, exclusive: bool = False) -> Path:
    """Atomically write UTF-8 `text` to `path` (see `atomic_write` for `exclusive`)."""
    return atomic_write_bytes(path, text.encode("utf-8"), exclusive=exclusive)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path beside `path` for a tool that writes by name (ffmpeg); renamed onto `path` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty temp folder beside `path`; on success it replaces `path` whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.build-"))
    try:
        yield tmp
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def restored_on_failure(folder: str | Path) -> Iterator[Path]:
    """Set `folder` aside while a multi-step job replaces it; put it back if the job fails (or was killed earlier).

    For outputs that must stay paired with another file (a run's videos with its results JSON): the
    previous folder is restored whole unless the block completes.
    """
    folder = Path(folder)
    aside = folder.with_name(f".{folder.name}.previous")
    if aside.exists():  # a run killed mid-job: its previous folder is the one the last complete results describe
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(aside, folder)
    if folder.exists():
        os.replace(folder, aside)
    try:
        yield folder
    except BaseException:
        if aside.exists():
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(aside, folder)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def list_files(folder: str | Path, suffixes: Sequence[str], what: str) -> list[Path]:
    """The files directly in `folder` whose suffix is in `suffixes`, sorted by name; FileNotFoundError for a
    missing folder, ValueError for one without such files (both name the folder and what was looked for)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{what} folder {folder} does not exist")
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
    if not found:
        raise ValueError(f"{what} folder {folder} holds no {what}s ({', '.join(suffixes)})")
    return found


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of one file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
