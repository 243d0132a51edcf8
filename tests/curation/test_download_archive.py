"""The yt-dlp download archive matches the download records after a kill at any point (loopback server only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.curation.test_download_retry import _build, _Flaky, flaky_url  # noqa: F401 - flaky_url is a fixture


def _archive(out: Path) -> list[str]:
    return (out / "sources" / "download_archive.txt").read_text().splitlines()


def test_archive_lists_exactly_the_recorded_downloads_after_a_kill(flaky_url: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Flaky, "gets", 3)  # past the server's two 503s: this test is about the archive
    urls, out = tmp_path / "urls.txt", tmp_path / "out"
    urls.write_text(flaky_url + "\n")
    rows = _build(tmp_path, urls)
    assert _archive(out) == ["generic clip"]
    (source,) = {row["source_id"] for row in rows}
    record = json.loads((out / "sources" / source / "source.json").read_text())
    # the state of a run killed after yt-dlp finished the file but before the record, beside a line of a video
    # archived by a killed run of the old code (archived, never recorded)
    for name in ("source.json", "done.json"):
        (out / "sources" / source / name).unlink()
    (out / "sources" / "download_archive.txt").write_text("youtube abcdefghijk\n")
    asked = _Flaky.gets
    rows_again = _build(tmp_path, urls)
    assert _Flaky.gets == asked + 1  # the extractor's probe only: the finished file is reused, not fetched again
    assert _archive(out) == ["generic clip"]
    again = json.loads((out / "sources" / source / "source.json").read_text())
    assert again["source_sha256"] == record["source_sha256"] and len(rows_again) == len(rows)
