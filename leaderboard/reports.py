"""Entry reports: the plots `benchmark` writes beside a results JSON (`<stem>_report/`), kept with the entry.

At submit time the report's PNGs are copied into `<store>/reports/<entry id>/` (one folder, replaced whole,
with a README.md that shows them), and the entry document lists their names, so the rendered pages can link
each reproduced entry's report. Only plain PNG files with safe names are taken: a report is pictures, nothing
a browser could run.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from models.files import atomic_dir

log = logging.getLogger("leaderboard.reports")

REPORT_SUFFIX = "_report"  # benchmark/cli.py run_scoring writes <out_stem>_report/ beside the results JSON
REPORT_INDEX = "README.md"
MAX_REPORT_FILES = 40
MAX_REPORT_FILE_BYTES = 5 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.png$")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def report_dir_of(results_path: str | os.PathLike) -> Path | None:
    """The report folder written beside a results JSON, or None when there is none."""
    path = Path(results_path)
    folder = path.parent / f"{path.stem}{REPORT_SUFFIX}"
    return folder if folder.is_dir() else None


def safe_report_name(name: object) -> bool:
    """Whether a report file name is one the leaderboard stores and links (a plain .png name)."""
    return isinstance(name, str) and bool(_SAFE_NAME.match(name))


def report_pictures(folder: Path) -> list[Path]:
    """The folder's PNGs that may be published: regular files (no links), safe names, PNG content, size cap."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.is_file() or not safe_report_name(path.name):
            continue
        if path.stat().st_size > MAX_REPORT_FILE_BYTES:
            log.warning("%s: larger than %d bytes, left out of the report", path, MAX_REPORT_FILE_BYTES)
            continue
        with path.open("rb") as handle:
            if handle.read(len(_PNG_MAGIC)) != _PNG_MAGIC:
                log.warning("%s: not a PNG file, left out of the report", path)
                continue
        found.append(path)
    return found[:MAX_REPORT_FILES]


def _index(entry_id: str, names: list[str]) -> str:
    lines = [f"# Report of leaderboard entry `{entry_id}`", ""]
    lines += [f"![{name}]({name})" for name in names]
    return "\n".join(lines) + "\n"


def store_report(source: Path, reports_dir: Path, entry_id: str) -> list[str]:
    """Copy the publishable PNGs of `source` into reports_dir/entry_id (atomically, whole folder); their names."""
    pictures = report_pictures(source)
    if not pictures:
        return []
    with atomic_dir(reports_dir / entry_id) as tmp:
        for picture in pictures:
            shutil.copyfile(picture, tmp / picture.name)
        (tmp / REPORT_INDEX).write_text(_index(entry_id, [p.name for p in pictures]), encoding="utf-8")
    log.info("stored %d report picture(s) of entry %s in %s", len(pictures), entry_id, reports_dir / entry_id)
    return [p.name for p in pictures]


def report_link(reports_base: str | None, entry_id: str, names: tuple[str, ...]) -> str | None:
    """Relative link from a rendered page to an entry's report folder, or None when it has no report."""
    if reports_base is None or not names:
        return None
    return f"{reports_base.rstrip('/')}/{entry_id}/"
