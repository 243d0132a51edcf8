"""restored_on_failure: a job that replaces a folder and then fails (or was killed) leaves the previous folder whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.files import restored_on_failure


def _folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "clip.mp4").write_text(text)
    return path


def test_a_failed_job_puts_the_previous_folder_back(tmp_path: Path) -> None:
    videos = _folder(tmp_path / "videos", "previous run")
    with pytest.raises(ValueError, match="scoring failed"), restored_on_failure(videos):
        _folder(videos, "new run, never scored")
        raise ValueError("scoring failed")
    assert (videos / "clip.mp4").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["videos"]


def test_a_completed_job_keeps_the_new_folder_only(tmp_path: Path) -> None:
    videos = _folder(tmp_path / "videos", "previous run")
    with restored_on_failure(videos):
        assert not videos.exists()  # set aside while the job runs
        _folder(videos, "new run")
    assert (videos / "clip.mp4").read_text() == "new run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["videos"]


def test_a_job_killed_midway_is_undone_by_the_next_run(tmp_path: Path) -> None:
    _folder(tmp_path / ".videos.previous", "previous run")  # what a SIGKILL inside the block leaves
    _folder(tmp_path / "videos", "half of a killed run")
    with pytest.raises(RuntimeError), restored_on_failure(tmp_path / "videos"):
        raise RuntimeError("fails too")
    assert (tmp_path / "videos" / "clip.mp4").read_text() == "previous run"
