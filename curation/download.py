"""Download one video with yt-dlp's Python API, keeping provenance, and classify failures.

Format: best video up to `max_height` plus best audio (merged), else the best single file. yt-dlp
retries HTTP, fragment and extractor errors with exponential back-off; the caller retries whole
sources whose failure is transient (403, 429, bot checks, timeouts, and any unexpected exception that is
not yt-dlp's own and not known-permanent) in later passes, and records permanent ones (unavailable, private, removed,
unsupported URL) as rejected.

yt-dlp does not write the download archive itself: it would record a video before this suite's download
record (`source.json`) exists, and a run killed in between would leave an archived video without a record,
which yt-dlp then refuses to fetch again. `write_download_archive` rewrites it from the records instead.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from pathlib import Path
from typing import Any

from models.files import atomic_write_text, sha256_file

logger = logging.getLogger(__name__)

TRANSIENT = re.compile(
    r"HTTP Error (403|429|5\d\d)|Too Many Requests|not a bot|Sign in to confirm|timed? ?out|Connection (reset|refused|aborted)"
    r"|Temporary failure|Network is unreachable|IncompleteRead|rate.?limit|\(transient\)$"
    r"|^worker process died",  # the executor's outcome when a download's worker is killed (e.g. out of memory)
    re.IGNORECASE,
)
PERMANENT = re.compile(
    r"unavailable|private|removed|deleted|Unsupported URL|copyright|terminated|does not exist|HTTP Error (404|410)",
    re.IGNORECASE,
)
ARCHIVE_NAME = "download_archive.txt"  # in the sources folder, yt-dlp's `--download-archive` format
PROVENANCE_KEYS = ("webpage_url", "extractor_key", "id", "uploader", "license", "upload_date", "format_id")


class DownloadFailed(Exception):
    """A download that failed; `transient` says whether trying again later may succeed."""

    def __init__(self, url: str, message: str, transient: bool) -> None:
        super().__init__(f"{url}: {message}" + (" (transient)" if transient else ""))  # the tag survives Outcome's text
        self.transient = transient


def is_transient(message: str) -> bool:
    """True for failures worth retrying later (rate limits, bot checks, timeouts, server errors)."""
    return bool(TRANSIENT.search(message))


def ytdlp_options(dest: Path, settings: dict, enable_file_urls: bool) -> dict[str, Any]:
    """yt-dlp options for one download into `dest` (see curation/configs/internet.yaml, section download)."""
    height = int(settings["max_height"])
    retries = int(settings["retries"])
    return {
        "format": f"bv*[height<={height}]+ba/b[height<={height}]/bv*+ba/b",
        "merge_output_format": "mp4",
        "outtmpl": {"default": str(dest / "source.%(ext)s")},
        "writeinfojson": True,
        "retries": retries,
        "fragment_retries": retries,
        "extractor_retries": retries,
        "retry_sleep_functions": {name: _backoff for name in ("http", "fragment", "extractor")},
        "ratelimit": settings.get("ratelimit"),
        "sleep_interval": settings.get("sleep_interval") or None,
        "max_sleep_interval": settings.get("max_sleep_interval") or None,
        "cookiefile": settings.get("cookiefile"),
        "enable_file_urls": enable_file_urls,
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": logger,
    }


def _backoff(n: int) -> float:
    """Seconds before retry `n` + 1; yt-dlp's RetryManager.report_retry calls `sleep_func(n=count - 1)`."""
    return min(2.0**n, 60.0)


def download(url: str, dest: Path, settings: dict, enable_file_urls: bool = False) -> tuple[Path, dict]:
    """Download `url` into `dest`; returns (file, provenance). Raises DownloadFailed."""
    import yt_dlp

    dest.mkdir(parents=True, exist_ok=True)
    options = ytdlp_options(dest, settings, enable_file_urls)
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.sanitize_info(ydl.extract_info(url, download=True))
    except yt_dlp.utils.DownloadError as error:
        message = re.sub(r"^ERROR: ", "", str(error))
        raise DownloadFailed(url, message, is_transient(message)) from error
    except Exception as error:  # yt-dlp's own errors go by message; others (e.g. from a retry) are transient
        message = f"{type(error).__name__}: {error}"
        unexpected = not isinstance(error, yt_dlp.utils.YoutubeDLError) and not PERMANENT.search(message)
        raise DownloadFailed(url, message, is_transient(message) or unexpected) from error
    if info is None or info.get("_type") == "playlist":
        raise DownloadFailed(url, "not a single video (playlist or nothing found)", transient=False)
    # a video yt-dlp finished before a kill (no record yet) is found on disk and not downloaded again
    files = [p for p in sorted(dest.glob("source.*")) if p.suffix not in (".json", ".part", ".ytdl")]
    if not files:
        raise DownloadFailed(url, "yt-dlp reported no downloaded file", transient=False)
    path = files[0]
    provenance = {key: info.get(key) for key in PROVENANCE_KEYS}
    provenance.update(
        downloaded_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        downloader=f"yt-dlp {yt_dlp.version.__version__}",
        source_sha256=sha256_file(path),
        file=path.name,
    )
    return path, provenance


def write_download_archive(sources_dir: Path) -> Path:
    """Atomically rewrite `sources_dir/download_archive.txt` (`<extractor> <id>` lines) from the download records
    (`*/source.json`): it lists exactly the recorded downloads, whatever point an earlier run was killed at."""
    lines = set()
    for record_path in sorted(sources_dir.glob("*/source.json")):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("extractor_key") not in (None, "local") and record.get("id"):
            lines.add(f"{record['extractor_key'].lower()} {record['id']}\n")  # yt-dlp's make_archive_id
    return atomic_write_text(sources_dir / ARCHIVE_NAME, "".join(sorted(lines)))
