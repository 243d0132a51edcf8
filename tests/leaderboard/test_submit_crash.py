"""`leaderboard submit` SIGKILLed at every step between entry file and database row: a rerun leaves one consistent entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.cli import main
from leaderboard.store import Store
from tests.leaderboard.test_submission import make_results

REPO = Path(__file__).resolve().parents[2]
# runs `leaderboard submit` with one step replaced by SIGKILL, before or after the real call
_KILLED_SUBMIT = """
import os, signal, sys
import leaderboard.store, models.files
from leaderboard.cli import main
point, args = sys.argv[1], sys.argv[2:]
owner, name, after = {
    "temp-write": (os, "fsync", False), "link": (os, "link", False), "linked": (os, "link", True),
    "file-written": (leaderboard.store, "atomic_write_text", True), "row-stored": (leaderboard.store.Store, "add", True),
}[point]
real = getattr(owner, name)
def killed(*a, **k):
    if after:
        real(*a, **k)
    os.kill(os.getpid(), signal.SIGKILL)
setattr(owner, name, killed)
sys.exit(main(["submit", *args]))
"""
# kill point -> whether the entry file exists afterwards
POINTS = {"temp-write": False, "link": False, "linked": True, "file-written": True, "row-stored": True}


@pytest.mark.parametrize("point", sorted(POINTS))
def test_rerun_after_kill_completes_one_consistent_entry(tmp_path: Path, point: str, capsys: pytest.CaptureFixture) -> None:
    results, entries = tmp_path / "results.json", tmp_path / "entries"
    results.write_text(json.dumps(make_results()))
    args = [str(results), "--db", f"sqlite:///{tmp_path / 'lb.sqlite'}", "--entries", str(entries)]
    killed = subprocess.run([sys.executable, "-c", _KILLED_SUBMIT, point, *args], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    assert bool(list(entries.glob("*.json"))) == POINTS[point]

    code = main(["submit", *args])
    err = capsys.readouterr().err
    if POINTS[point]:  # the committed record survived the kill: the rerun imports it and calls this a duplicate
        assert code == 1 and "already stored as entry" in err
    else:
        assert code == 0, err
    store = Store(f"sqlite:///{tmp_path / 'lb.sqlite'}", entries)
    files = list(entries.glob("*.json"))
    assert len(files) == 1 and store.ids() == {files[0].stem}
    assert store.document(files[0].stem) == json.loads(files[0].read_text())
    assert main(["show", *args[1:]]) == 0 and "my_method" in capsys.readouterr().out


def test_a_row_left_without_its_file_gets_the_file_back(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The state the old write order left (row committed, killed before the file): every command restores the file."""
    results, entries = tmp_path / "results.json", tmp_path / "entries"
    results.write_text(json.dumps(make_results()))
    args = [str(results), "--db", f"sqlite:///{tmp_path / 'lb.sqlite'}", "--entries", str(entries)]
    assert main(["submit", *args]) == 0
    (entry,) = entries.glob("*.json")
    stored = entry.read_text()
    entry.unlink()
    assert main(["submit", *args]) == 1 and "already stored as entry" in capsys.readouterr().err
    assert [p.name for p in entries.glob("*.json")] == [entry.name] and entry.read_text() == stored
