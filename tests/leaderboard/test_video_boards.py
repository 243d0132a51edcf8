"""Video boards: real ma_video@mace results with not-computed metrics are accepted, shown n/c with the reason,
and a mannequin / tiny renderer run is labelled on its row and never ranked."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path

import pytest

from benchmark.protocols.registry import MetricSpec
from leaderboard.boards import Board, get_board
from leaderboard.cli import main
from leaderboard.entry import Entry, MetricValue, entry_from_submission, make_submission
from leaderboard.flags import flags_of
from leaderboard.html_page import render_html
from leaderboard.markdown_page import board_markdown
from leaderboard.published import published_entries
from leaderboard.ranking import metric_ranks, rank
from leaderboard.store import Store
from leaderboard.submission import submit_results
from leaderboard.text_table import board_table
from leaderboard.validation import SubmissionRejected

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "leaderboard" / "mace_dance_mannequin_ma_video_at_mace.json"
ANIMATION_FIXTURE = FIXTURE.with_name("tiny_animation_at_v1.json")
MA_VIDEO_ORDER = ["iq", "aq", "sc", "bc", "ms", "tf", "fid_k", "fid_g", "div_k", "div_g", "bas"]
NOT_COMPUTED = ["iq", "aq", "sc", "bc", "ms"]  # VBench dims whose weights the run did not have
TINY_LABEL = "tiny random Wan-Animate: tests only, its videos are noise"


@pytest.fixture
def mannequin() -> dict:
    """A real `benchmark.run --method mace_dance --protocol ma_video@mace` results JSON (see the fixture's .txt)."""
    return json.loads(FIXTURE.read_text())


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "entries")


def as_tiny(results: dict) -> dict:
    """The same run as if rendered by the tiny random Wan-Animate (its method record and label)."""
    results = copy.deepcopy(results)
    results["method"]["name"] = "mace_dance+tiny"
    results["method"]["config"]["appearance"] = {"name": "tiny", "label": TINY_LABEL, "config": {}}
    results["label"] = results["label"].replace("mannequin renderer: suite body render, no learned appearance", TINY_LABEL)
    return results


def as_model(results: dict) -> dict:
    """The same numbers as a flag-free model result (learned renderer, real test set), for ranking tests."""
    results = copy.deepcopy(results)
    results["method"]["name"] = "mace_dance+appearance_expert"
    results["method"]["config"]["appearance"] = {"name": "appearance_expert", "label": "x", "config": {}}
    results["label"] = "demo, not a reproduction"
    return results


def _section(markdown: str, board_id: str) -> str:
    return markdown.split(f"## `{board_id}`")[1].split("\n## ")[0]


def test_real_ma_video_results_are_accepted_rendered_and_labelled(tmp_path, mannequin, capsys):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(mannequin))
    db = ["--db", f"sqlite:///{tmp_path / 'lb.sqlite'}", "--entries", str(tmp_path / "entries")]
    assert main(["submit", str(path), *db]) == 0, capsys.readouterr().err
    assert main(["render", "--out", str(tmp_path / "site"), *db]) == 0
    section = _section((tmp_path / "site" / "README.md").read_text(), "ma_video@mace")
    header = next(line for line in section.splitlines() if line.startswith("| # |"))
    assert [c.split()[0] for c in header.strip("| ").split(" | ")[2:13]] == MA_VIDEO_ORDER
    row = next(line for line in section.splitlines() if "mace\\_dance\\+mannequin" in line)
    assert row.startswith("| *unranked* |") and "⚠ **mannequin renderer: not a model result**" in row
    assert "⚠ **stand-in test set: not MA-Data**" in row and "reproduced, not a model result" in row
    assert re.findall(r"n/c \((\d)\)", row) == ["1", "2", "3", "4", "5"]
    assert "99.581 [" in row  # tf was computed
    assert "1. not computed: weight file musiq\\_spaq\\_ckpt-358bb6af.pth" in section
    ranked = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| ") and "paper, Table 1" in line]
    assert ranked[1:] == [f"| {i}" for i in range(1, 8)]  # the paper's rows keep their places

    page = (tmp_path / "site" / "index.html").read_text()
    unranked = page.split('data-board="ma_video@mace"')[1].split('<tbody class="unranked">')[1].split("</tbody>")[0]
    assert "mace_dance+mannequin" in unranked and unranked.count('class="nc"') == 5
    assert 'title="mannequin renderer: suite body render, no learned appearance">&#9888; mannequin renderer' in unranked
    assert '<abbr title="not computed: weight file musiq_spaq_ckpt-358bb6af.pth' in unranked

    assert main(["show", "--protocol", "ma_video@mace", *db]) == 0
    shown = capsys.readouterr().out
    assert "unranked  mace_dance+mannequin [mannequin renderer: not a model result]" in shown
    assert "n/c (1): not computed: weight file musiq_spaq_ckpt-358bb6af.pth" in shown


REFUSED = [
    ("null without note", lambda m: m["metrics"]["iq"].pop("note"), "metrics.iq.value is null without a 'not computed"),
    ("null with another note", lambda m: m["metrics"]["iq"].update(note="weights missing"), "metrics.iq.value is null"),
    ("nan", lambda m: m["metrics"]["tf"].update(value=math.nan), "metrics.tf.value is NaN"),
    ("inf", lambda m: m["metrics"]["fid_k"].update(value=math.inf), "metrics.fid_k.value is Infinity"),
    ("nan reference", lambda m: m["reference"]["div_k"].update(ci95=[math.nan, 1.0]), "reference.div_k.ci95[0] is NaN"),
    ("edited flickering", lambda m: m["metrics"]["tf"].update(value=99.9), "metrics.tf: claimed 99.9 but its per-item"),
    ("edited gt bas", lambda m: m["reference"]["bas"].update(value=0.4), "reference.bas: claimed 0.4 but its per-item 'bas_gt'"),
    ("n/c with a ci", lambda m: m["metrics"]["iq"].update(ci95=[1.0, 2.0]), "ci95 must be null for a metric that was not"),
    ("n/c with n", lambda m: m["metrics"]["iq"].update(n=4), "metrics.iq.n must be 0"),
    ("markup in the reason", lambda m: m["metrics"]["iq"].update(note="not computed: <script>"), "metrics.iq.note contains markup"),
    ("nothing computed", lambda m: [r.update(value=None, ci95=None, n=0, note="not computed: x") for r in m["metrics"].values()],
     "no metric of ma_video@mace was computed"),
]


@pytest.mark.parametrize("case,mutate,reason", REFUSED, ids=[c[0] for c in REFUSED])
def test_unexplained_or_non_finite_values_are_refused(store, mannequin, case, mutate, reason):
    mutate(mannequin)
    with pytest.raises(SubmissionRejected) as caught:
        submit_results(mannequin, store, source="run.json")
    assert any(reason in r for r in caught.value.reasons), caught.value.reasons
    assert "run.json: rejected" in str(caught.value) and store.documents() == []


def test_tiny_renderer_run_is_labelled_and_never_ranked(store, mannequin):
    tiny = as_tiny(mannequin)
    for name in ("tf", "fid_k", "fid_g", "div_k", "div_g", "bas"):  # best possible numbers: still no place
        value = 0.0 if name.startswith("fid") else 100.0 if name == "tf" else 1.0 if name == "bas" else 50.0
        tiny["metrics"][name].update(value=value, ci95=[value, value])
        for row in tiny["per_item"] if name in ("tf", "bas") else ():  # per-item means: the rows agree
            row[name] = value
    doc = submit_results(tiny, store)
    entry = entry_from_submission(doc)
    assert [f.key for f in entry.flags] == ["tiny", "stand-in"] and entry.flags[0].detail == TINY_LABEL
    board = get_board("ma_video@mace")
    rows = rank([entry, *[e for e in published_entries() if e.protocol_id == board.id]], board)
    assert rows[-1].entry is entry and rows[-1].position is None and rows[-1].mean_rank is None
    assert [r.entry.name for r in rows if r.position == 1] == ["MACE-Dance"]
    markdown = board_markdown(board, [entry])
    assert "| *unranked* | **mace\\_dance\\+tiny**<br>⚠ **tiny random renderer: test only, not a model result**" in markdown
    assert 'flag-tiny" title="tiny random Wan-Animate: tests only, its videos are noise"' in render_html([(board, [entry])])


def test_real_animation_tiny_run_needs_no_checkpoint_and_is_labelled(store):
    """An animation@v1 record names the renderer itself (`tiny`, no composition) and has no checkpoint hash."""
    board = get_board("animation@v1")
    doc = submit_results(json.loads(ANIMATION_FIXTURE.read_text()), store)
    entry = entry_from_submission(doc)
    assert doc["results"]["method"]["checkpoint_sha256"] is None and "declared checkpoint-free" not in entry.notes
    assert [f.key for f in entry.flags] == ["tiny", "stand-in"] and not entry.ranked
    entries = [e for e in published_entries() if e.protocol_id == board.id] + [entry]
    rows = rank(entries, board)
    assert rows[-1].entry is entry and rows[-1].position is None and rows[0].entry.name == "Appearance Expert"
    markdown = board_markdown(board, entries)
    row = next(line for line in markdown.splitlines() if "**tiny**" in line)
    assert row.startswith("| *unranked* |") and "| n/c (1) |" in row and "1. not computed: weight file i3d" in markdown


def test_a_model_result_ranks_on_the_metrics_it_computed(mannequin):
    board = get_board("ma_video@mace")
    entry = entry_from_submission(make_submission(as_model(mannequin)))
    assert entry.flags == () and entry.ranked
    paper = [e for e in published_entries() if e.protocol_id == board.id]
    rows = rank([*paper, entry], board)
    mine = next(r for r in rows if r.entry is entry)
    assert mine.position is not None and sorted(mine.metric_ranks) == sorted(set(MA_VIDEO_ORDER) - set(NOT_COMPUTED))
    alone = {r.entry.id: r.metric_ranks for r in rank(paper, board)}
    for row in rows:  # the n/c cells take no place on their metrics: the paper rows keep their iq..ms ranks
        if row.position is not None and row.entry is not entry:
            assert all(row.metric_ranks[m] == alone[row.entry.id][m] for m in NOT_COMPUTED)
    assert "*ranked on 6 of 11 metrics \\(the rest not computed\\)*" in board_markdown(board, [*paper, entry])


def test_not_computed_is_left_out_of_a_metric_while_plain_missing_takes_the_last_place():
    lower, higher = MetricSpec("a", "lower"), MetricSpec("b", "higher")
    board = Board("toy@v1", "toy", (lower, higher))
    nc = MetricValue(None, note="not computed: no weights")

    def entry(name: str, a: MetricValue, b: MetricValue) -> Entry:
        return Entry(id=name, protocol_id="toy@v1", name=name, status="reproduced", metrics={"a": a, "b": b})

    entries = [entry("A", MetricValue(1.0), MetricValue(0.5)), entry("B", nc, MetricValue(0.9)),
               entry("C", MetricValue(None), MetricValue(0.1))]
    assert metric_ranks(entries, lower) == {"A": 1.0, "C": 2.0}
    assert [(r.entry.name, r.position, r.mean_rank) for r in rank(entries, board)] == [
        ("B", 1, 1.0), ("A", 2, 1.5), ("C", 3, 2.5)]
    assert "n/c (1)" in board_table(board, entries) and "n/c (1): not computed: no weights" in board_table(board, entries)


@pytest.mark.parametrize("module,name,key", [
    ("benchmark.renderers.mannequin", "MANNEQUIN_LABEL", "mannequin"),
    ("models.appearance_expert.generate", "TINY_LABEL", "tiny"),
    ("benchmark.pipelines.ma_video", "RANDOM_INIT_LABEL", "random-init"),
    ("manifests.ma_video_test_set", "STANDIN_LABEL", "stand-in"),
    ("manifests.ma_video_test_set", "STANDIN_GT_LABEL", "stand-in"),
])
def test_flags_follow_the_labels_benchmark_writes(module, name, key):
    label = getattr(__import__(module, fromlist=[name]), name)
    flags = flags_of({"method": {"name": "my_method", "config": {}}, "label": f"demo, not a reproduction; {label}"})
    assert [f.key for f in flags] == [key] and label.startswith(flags[0].detail)


def test_regression_check_accepts_a_video_run_with_not_computed_metrics(tmp_path, mannequin, capsys):
    baseline, path = tmp_path / "video.json", tmp_path / "run.json"
    path.write_text(json.dumps(mannequin))
    assert main(["check", "--baseline", str(baseline), "--update-baseline", "--results", str(path)]) == 0
    assert main(["check", "--baseline", str(baseline), "--results", str(path), "--strict"]) == 0
    assert "regression check passed" in capsys.readouterr().out
    mannequin["metrics"]["tf"]["value"] -= 1.0
    path.write_text(json.dumps(mannequin))
    assert main(["check", "--baseline", str(baseline), "--results", str(path)]) == 1
    assert "FAIL mace_dance+mannequin @ ma_video@mace metrics.tf" in capsys.readouterr().out
