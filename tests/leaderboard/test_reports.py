"""Entry reports: the plots beside a submitted results JSON are stored with the entry and linked by both pages."""

from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from leaderboard.cli import main  # noqa: E402
from leaderboard.store import Store  # noqa: E402
from leaderboard.submission import submit_file, sync_entry_files  # noqa: E402
from leaderboard.validation import SubmissionRejected  # noqa: E402
from tests.leaderboard.test_submission import make_results  # noqa: E402


def _results_with_report(folder, stem="run") -> os.PathLike:
    """A results JSON and its `<stem>_report/` holding one real PNG, a fake PNG, a text file and a link."""
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(make_results()))
    report = folder / f"{stem}_report"
    report.mkdir()
    plt.imsave(report / "metrics.png", [[0.0, 1.0], [1.0, 0.0]])
    (report / "fake.png").write_text("<script>alert(1)</script>")
    (report / "notes.txt").write_text("not a picture")
    (report / "linked.png").symlink_to(report / "metrics.png")
    return path


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "data" / "entries")


def test_submit_stores_only_the_report_pictures(tmp_path, store):
    doc = submit_file(_results_with_report(tmp_path), store)
    assert doc["report"] == ["metrics.png"]
    stored = store.reports_dir / doc["id"]
    assert sorted(p.name for p in stored.iterdir()) == ["README.md", "metrics.png"]
    assert (stored / "metrics.png").read_bytes() == (tmp_path / "run_report" / "metrics.png").read_bytes()
    assert "![metrics.png](metrics.png)" in (stored / "README.md").read_text()
    assert json.loads(store.entry_path(doc["id"]).read_text())["report"] == ["metrics.png"]


def test_results_without_a_report_have_no_report_link(tmp_path, store):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(make_results()))
    assert submit_file(path, store)["report"] == []
    site = tmp_path / "site"
    assert main(["render", "--out", str(site), "--db", store.url, "--entries", str(store.entries_dir)]) == 0
    assert "[report]" not in (site / "README.md").read_text()
    assert ">report</a>" not in (site / "index.html").read_text()


def test_both_pages_link_the_report_folder_relative_to_the_page(tmp_path, store):
    doc = submit_file(_results_with_report(tmp_path), store)
    site = tmp_path / "site"
    assert main(["render", "--out", str(site), "--db", store.url, "--entries", str(store.entries_dir)]) == 0
    link = f"../data/reports/{doc['id']}/"
    assert f"[report](<{link}>)" in (site / "README.md").read_text()
    assert f'<a href="{link}">report</a>' in (site / "index.html").read_text()
    assert (site / link / "metrics.png").is_file()


def test_an_entry_file_with_an_unsafe_report_name_is_refused(tmp_path, store):
    doc = submit_file(_results_with_report(tmp_path), store)
    path = store.entry_path(doc["id"])
    bad = json.loads(path.read_text()) | {"report": ["../../x.png"]}
    fresh = Store(f"sqlite:///{tmp_path / 'other.sqlite'}", tmp_path / "other" / "entries")
    fresh.entries_dir.mkdir(parents=True)
    (fresh.entries_dir / path.name).write_text(json.dumps(bad))
    with pytest.raises(SubmissionRejected, match="report must be a list of plain .png file names"):
        sync_entry_files(fresh)
