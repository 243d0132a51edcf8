"""Leaderboard ranking rule, seeded paper numbers, and escaping in every rendered format."""

from __future__ import annotations

import re

from benchmark.protocols.registry import PROTOCOLS, MetricSpec
from leaderboard.boards import BOARDS, Board, get_board
from leaderboard.cli import main
from leaderboard.entry import Entry, MetricValue, entry_from_submission, make_submission
from leaderboard.formatting import markdown_text
from leaderboard.html_page import render_html
from leaderboard.listing import board_entries
from leaderboard.markdown_page import render_markdown
from leaderboard.published import published_entries
from leaderboard.ranking import metric_ranks, rank
from leaderboard.store import Store
from leaderboard.text_table import show
from tests.leaderboard.test_submission import make_results

LOWER, HIGHER = MetricSpec("a", "lower"), MetricSpec("b", "higher")
BOARD = Board("toy@v1", "toy", (LOWER, HIGHER))
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">|[x](javascript:alert(1))'


def _entry(name: str, a: MetricValue | None, b: MetricValue | None, role: str = "method") -> Entry:
    metrics = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    return Entry(id=name, protocol_id="toy@v1", name=name, status="reproduced", metrics=metrics, role=role)


def test_ranking_on_a_known_table():
    entries = [
        _entry("A", MetricValue(1.0, (0.9, 1.1)), MetricValue(0.5)),
        _entry("B", MetricValue(2.0, (1.9, 2.1)), MetricValue(0.9)),
        _entry("C", MetricValue(2.05, (2.0, 2.2)), MetricValue(0.7)),  # CI overlaps B's on a: tie
        _entry("D", None, MetricValue(0.8)),  # no value for a: last place on a
        _entry("E", MetricValue(1.0), MetricValue(0.5)),  # same values as A: tie on both
        _entry("GT", MetricValue(0.0), MetricValue(1.0), role="reference"),
    ]
    assert metric_ranks(entries[:5], LOWER) == {"A": 1.5, "E": 1.5, "B": 3.5, "C": 3.5, "D": 5.0}
    assert metric_ranks(entries[:5], HIGHER) == {"B": 1.0, "D": 2.0, "C": 3.0, "A": 4.5, "E": 4.5}
    rows = rank(entries, BOARD)
    table = [(r.entry.name, r.position, r.tied, r.mean_rank) for r in rows]
    assert table == [
        ("GT", None, False, None),
        ("B", 1, False, 2.25),
        ("A", 2, True, 3.0),
        ("E", 2, True, 3.0),
        ("C", 4, False, 3.25),
        ("D", 5, False, 3.5),
    ]


def test_ci_ties_follow_the_group_leader_not_transitively():
    entries = [
        _entry("X", MetricValue(1.0, (0.0, 2.0)), None),
        _entry("Y", MetricValue(1.8, (1.5, 2.5)), None),  # overlaps X
        _entry("Z", MetricValue(2.4, (2.2, 3.0)), None),  # overlaps Y but not the leader X
    ]
    assert metric_ranks(entries, LOWER) == {"X": 1.5, "Y": 1.5, "Z": 3.0}


def test_published_tables_are_seeded_as_reported():
    seeded = published_entries()
    by_board = {b: [e for e in seeded if e.protocol_id == b] for b in ("ma_video@mace", "finedance3d@lodge", "animation@v1")}
    assert [len(v) for v in by_board.values()] == [8, 8, 6] and len(seeded) == 22
    assert all(e.status == "reported" and "reported, not reproduced" in e.notes for e in seeded)
    assert not get_board("ma_video@mace").pending and not get_board("animation@v1").pending
    assert "ma_video@mace" in PROTOCOLS and "animation@v1" in PROTOCOLS
    lodge = {e.name: e for e in by_board["finedance3d@lodge"]}
    assert lodge["Ground Truth"].role == "reference" and lodge["Ground Truth"].metrics["fid_k"].value is None
    assert lodge["Motion Expert (full)"].metrics["fid_k"].value == 17.83 and lodge["Motion Expert (full)"].extras["fps"] == 770
    ranks = metric_ranks([e for e in by_board["finedance3d@lodge"] if e.role != "reference"], BOARDS["finedance3d@lodge"].metric("fid_k"))
    assert ranks["paper--finedance3d-lodge--lodge"] == ranks["paper--finedance3d-lodge--mega"] == 2.5  # both 50.00
    video = {e.name: e for e in by_board["ma_video@mace"]}
    assert video["MACE-Dance"].metrics["iq"].value == 65.35  # VBench percent scale as printed
    assert rank(by_board["animation@v1"], BOARDS["animation@v1"])[0].entry.name == "Appearance Expert"


def _evil_entry() -> Entry:
    doc = make_submission(make_results(method="evil"), name=EVIL, code_url="javascript:alert(1)",
                          paper_url="https://example.org/a?b=1&c=2")
    return entry_from_submission(doc)


def test_markdown_escapes_submitter_text():
    page = render_markdown([(get_board("finedance3d@v1"), [_evil_entry()])])
    assert "<script" not in page and "<img" not in page and "](javascript" not in page and "(<javascript" not in page
    assert markdown_text(EVIL) in page
    assert "[paper](<https://example.org/a?b=1&c=2>)" in page
    header = next(line for line in page.splitlines() if line.startswith("| # |"))
    row = next(line for line in page.splitlines() if "window" in line)
    unescaped_pipes = re.compile(r"(?<!\\)\|")
    assert len(unescaped_pipes.findall(row)) == len(unescaped_pipes.findall(header))  # no extra columns


def test_html_escapes_submitter_text_and_drops_unsafe_links():
    page = render_html([(get_board("finedance3d@v1"), [_evil_entry()])])
    assert "<script>window" not in page and "<img" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert 'href="https://example.org/a?b=1&amp;c=2"' in page
    assert page.count("<script>") == 1 and "Content-Security-Policy" in page


def test_terminal_table_and_render_command(tmp_path, capsys):
    store = Store(f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "entries")
    store.add(make_submission(make_results(method="evil\x1b[2J"), name="evil\x1b[2J"))
    text = show(board_entries(store, "finedance3d@v1"))
    assert "\x1b" not in text and "evil?[2J" in text and "10 [9, 11]" in text
    db = ["--db", store.url, "--entries", str(store.entries_dir)]
    assert main(["show", "--protocol", "finedance3d@lodge", *db]) == 0
    out = capsys.readouterr().out
    assert "=4" in out and "Motion Expert (full)" in out and "reported, not reproduced" in out
    assert main(["render", "--out", str(tmp_path / "site"), *db]) == 0
    markdown = (tmp_path / "site" / "README.md").read_text()
    assert "## `ma_video@mace`" in markdown and "Protocol implementation pending" not in markdown
    assert "## `finedance3d@v1`" in markdown and (tmp_path / "site" / "index.html").is_file()
