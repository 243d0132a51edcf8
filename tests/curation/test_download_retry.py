"""yt-dlp's own retry path, against a loopback server that fails twice (503) then serves a real mp4."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from curation.build import main
from curation.download import DownloadFailed, download, is_transient
from manifests.schema import read_manifest
from models.video.encode import encode_video
from tests.curation.test_internet_build import CONFIG

SETTINGS = {"max_height": 1080, "retries": 3}


class _Flaky(http.server.BaseHTTPRequestHandler):
    """The first GET (yt-dlp's generic extractor probing the URL) and the fourth get the video; the two between, 503."""

    video: bytes = b""
    gets = 0

    def _headers(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._headers(200, len(self.video))

    def do_GET(self) -> None:  # noqa: N802
        type(self).gets += 1
        if not self.path.endswith("/clip.mp4"):
            self._headers(404, 0)
            return
        if self.gets in (2, 3):
            self._headers(503, 0)
            return
        self._headers(200, len(self.video))
        self.wfile.write(self.video)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def flaky_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    video = tmp_path / "clip.mp4"
    encode_video(video, (np.full((32, 32, 3), 40 * k, np.uint8) for k in range(6)), 24.0, 32, 32)
    monkeypatch.setattr(_Flaky, "video", video.read_bytes())
    monkeypatch.setattr(_Flaky, "gets", 0)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/clip.mp4"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_two_503s_are_retried_by_ytdlp_and_the_file_arrives(flaky_url: str, tmp_path: Path) -> None:
    path, provenance = download(flaky_url, tmp_path / "src", SETTINGS)
    assert _Flaky.gets == 4 and path.stat().st_size == len(_Flaky.video)
    assert provenance["source_sha256"] and provenance["downloader"].startswith("yt-dlp")


def test_an_exception_raised_while_retrying_stays_transient(flaky_url: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_backoff(n: int) -> float:
        raise RuntimeError("sleep function broke")

    monkeypatch.setattr("curation.download._backoff", broken_backoff)
    with pytest.raises(DownloadFailed) as error:
        download(flaky_url, tmp_path / "src", SETTINGS)
    assert error.value.transient and is_transient(f"DownloadFailed: {error.value}")


def test_a_download_worker_killed_mid_download_is_transient() -> None:
    assert is_transient("worker process died: A process in the process pool was terminated abruptly")


def test_a_missing_video_is_permanent(flaky_url: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed) as error:
        download(flaky_url.replace("clip.mp4", "gone.mp4"), tmp_path / "src", SETTINGS)
    assert not error.value.transient and not is_transient(str(error.value))


def _build(tmp_path: Path, urls: Path, *extra: str) -> list[dict]:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    out = tmp_path / "out"
    assert main(["--source", "internet", "--out", str(out), "--config", str(config), "--urls", str(urls), "--preview", "0", *extra]) == 0
    return read_manifest(out / "manifest.parquet").to_pylist()


def test_retry_failed_redoes_sources_rejected_by_a_download_error(flaky_url: str, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(flaky_url.replace("clip.mp4", "gone.mp4") + "\n")
    rows = _build(tmp_path, urls)
    assert [(r["status"], r["reason"].split(":")[0]) for r in rows] == [("rejected", "unavailable")]
    asked = _Flaky.gets
    _build(tmp_path, urls)
    assert _Flaky.gets == asked  # a plain rerun keeps the verdict
    rows = _build(tmp_path, urls, "--retry-failed")
    assert _Flaky.gets > asked and [r["status"] for r in rows] == ["rejected"]
