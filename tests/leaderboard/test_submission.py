"""Leaderboard submissions: validation reasons, duplicates, entry files, concurrent submitters."""

from __future__ import annotations

import copy
import json
import math
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from benchmark.protocols.registry import get_protocol
from benchmark.metrics.motion.beat_align import LODGE_BAS_TEST_IDS
from leaderboard.boards import BOARDS, Board
from leaderboard.cli import main
from leaderboard.integrity import recomputed_means
from leaderboard.listing import board_entries
from leaderboard.store import Store
from leaderboard.submission import submit_results, sync_entry_files
from leaderboard.validation import SubmissionRejected, submission_problems

CHECKPOINT = "ab" * 32
ITEMS = 14


def _per_item(protocol: str, metrics: dict) -> list[dict]:
    """ITEMS rows whose per-item columns average to the set values (so the recomputation agrees)."""
    columns = {s: metrics[m.metric]["value"] for m in recomputed_means(protocol) if m.metric in metrics for s in m.sources}
    return [{"id": f"{LODGE_BAS_TEST_IDS[i % len(LODGE_BAS_TEST_IDS)]}_{i:03d}", **columns} for i in range(ITEMS)]


def make_results(method: str = "my_method", protocol: str = "finedance3d@v1", checkpoint: str | None = CHECKPOINT, **values: float) -> dict:
    """A schema-valid results JSON with every metric of the protocol (values overridable)."""
    spec = get_protocol(protocol)
    metrics = {}
    for i, m in enumerate(spec.metrics):
        value = values.get(m.name, 0.2 + 0.1 * i if m.high <= 1 else 10.0 + i)
        metrics[m.name] = {"value": value, "ci95": [value * 0.9, value * 1.1], "n": ITEMS, "better": m.better}
    return {
        "schema_version": "1.0",
        "method": {"name": method, "version": "1", "checkpoint_sha256": checkpoint, "config": {}},
        "protocol": {"id": protocol, "version": spec.version, "data_manifest_sha256": "cd" * 32,
                     "gt_reference_sha256": "cd" * 32, "fps": 30.0},
        "metrics": metrics,
        "reference": {},
        "per_item": _per_item(protocol, metrics),
        "timing": {"latency_fps": 123.0, "throughput_fps": 456.0},
        "environment": {"python": "3.11.7", "numpy": "2.4", "torch": "2.13.0+cpu", "device": "cpu",
                        "platform": "Linux", "git_commit": "0" * 40},
        "seed": 0,
        "created_at": "2026-01-01T00:00:00+00:00",
    }


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "entries")


def _mutate(path: str, value):
    def apply(results: dict) -> dict:
        results = copy.deepcopy(results)
        *parents, last = path.split(".")
        node = results
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
        return results
    return apply


_DELETE = object()

REJECTIONS = [
    ("schema version", _mutate("schema_version", "2.0"), "schema: schema_version"),
    ("unknown protocol", _mutate("protocol.id", "foo@bar"), "unknown protocol 'foo@bar'"),
    ("pending protocol", _mutate("protocol.id", "future@paper"), "implementation is pending"),
    ("protocol version", _mutate("protocol.version", "0"), "does not match the registry"),
    ("missing metric", _mutate("metrics.fsr", _DELETE), "metrics.fsr is missing"),
    ("null metric", _mutate("metrics.fsr.value", None), "metrics.fsr.value is null"),
    ("nan value", _mutate("metrics.bas.value", math.nan), "non-finite number: metrics.bas.value is NaN"),
    ("inf value", _mutate("metrics.fid_k.value", math.inf), "metrics.fid_k.value is Infinity"),
    ("inf ci", _mutate("metrics.fid_k.ci95", [1.0, math.inf]), "metrics.fid_k.ci95[1] is Infinity"),
    ("nan per item", _mutate("per_item", [{"id": "s001", "bas": math.nan}]), "per_item[0].bas is NaN"),
    ("edited mean", _mutate("metrics.bas.value", 0.61), "metrics.bas: claimed 0.61 but its per-item 'bas' values give 0.6"),
    ("wrong n", _mutate("metrics.fsr.n", 15), "metrics.fsr: n is 15 but 14 per-item"),
    ("method posing as gt", _mutate("method.name", "Ground Truth"), "method.name 'Ground Truth' is reserved"),
    ("bas above 1", _mutate("metrics.bas", {"value": 1.5, "ci95": [1.4, 1.6], "n": 3}), "metrics.bas.value 1.5 is outside its valid range [0, 1]"),
    ("negative fid", _mutate("metrics.fid_k", {"value": -3.0, "ci95": [-4.0, -2.0], "n": 3}), "outside its valid range"),
    ("value outside ci", _mutate("metrics.div_k.ci95", [20.0, 30.0]), "lies outside its ci95"),
    ("nan in extra metric", _mutate("metrics.extra", {"value": math.nan, "ci95": None, "n": 1}), "metrics.extra.value is NaN"),
    ("reversed ci", _mutate("metrics.div_k.ci95", [30.0, 20.0]), "ci95 is reversed"),
    ("missing ci", _mutate("metrics.div_k.ci95", None), "a 95% bootstrap CI is required"),
    ("wrong direction", _mutate("metrics.fid_k.better", "higher"), "protocol says 'lower'"),
    ("script in name", _mutate("method.name", "<script>alert(1)</script>"), "method.name contains markup"),
    ("control chars in name", _mutate("method.name", "evil\x1b[31m"), "control or invisible"),
    ("no checkpoint", _mutate("method.checkpoint_sha256", None), "checkpoint_sha256 is null"),
    ("no data manifest", _mutate("protocol.data_manifest_sha256", None), "data_manifest_sha256 is missing"),
    ("no environment", _mutate("environment.torch", _DELETE), "environment lacks torch"),
    ("no method version", _mutate("method.version", ""), "method.version"),
]


@pytest.mark.parametrize("case,mutate,reason", REJECTIONS, ids=[c[0] for c in REJECTIONS])
def test_rejections_name_their_reason(store, case, mutate, reason, monkeypatch):
    # a reported-only tab (published numbers, no implementation yet) accepts no submissions
    pending = Board("future@paper", "a table from a paper", get_protocol("finedance3d@v1").metrics, pending=True)
    monkeypatch.setitem(BOARDS, pending.id, pending)
    with pytest.raises(SubmissionRejected) as caught:
        submit_results(mutate(make_results()), store, source="sub.json")
    assert any(reason in r for r in caught.value.reasons), caught.value.reasons
    assert store.documents() == []


def test_every_reason_reported_at_once():
    results = make_results(method="<b>bold</b>")
    results["protocol"]["version"] = "9"
    results["metrics"]["bas"]["value"] = math.nan
    results["schema_version"] = "0.1"
    problems = submission_problems(results, name="x<y", code_url="javascript:alert(1)")
    for expected in ("schema_version", "version '9'", "metrics.bas.value is NaN", "method.name contains markup",
                     "--name contains markup", "--url must be an absolute http(s) URL"):
        assert any(expected in p for p in problems), (expected, problems)


def test_valid_submission_is_stored_as_database_row_and_entry_file(store):
    doc = submit_results(make_results(), store, name="My Method", code_url="https://example.org/code",
                         paper_url="https://arxiv.org/abs/0000.00000")
    assert [d["id"] for d in store.documents()] == [doc["id"]]
    on_disk = json.loads(store.entry_path(doc["id"]).read_text())
    assert on_disk == doc and on_disk["results"]["metrics"]["fid_k"]["value"] == 10.0
    assert on_disk["name"] == "My Method"


def test_checkpoint_free_rule(store):
    no_ckpt = make_results(checkpoint=None)
    with pytest.raises(SubmissionRejected):
        submit_results(no_ckpt, store)
    submit_results(no_ckpt, store, checkpoint_free=True)  # declared
    submit_results(make_results(method="random_motion", checkpoint=None), store)  # built-in, no weights
    assert len(store.documents()) == 2


def test_duplicates_rejected_but_new_checkpoint_accepted(store):
    submit_results(make_results(), store)
    with pytest.raises(SubmissionRejected) as caught:
        submit_results(make_results(fid_k=5.0), store, name="renamed")
    assert any("duplicate" in r for r in caught.value.reasons)
    submit_results(make_results(checkpoint="ef" * 32), store)
    submit_results(make_results(protocol="aist3d@v1"), store)
    assert len(store.documents()) == 3


def test_cli_submit_exit_codes_and_reasons(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 'lb.sqlite'}", "--entries", str(tmp_path / "entries")]
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(make_results()))
    bad_results = make_results(method="<img src=x onerror=alert(1)>")
    bad_results["metrics"]["fsr"]["value"] = 2.0
    bad.write_text(json.dumps(bad_results))
    broken.write_text('{"schema_version": "1.0", "method": ')
    assert main(["submit", str(good), *db]) == 0
    assert main(["submit", str(good), *db]) == 1
    assert "duplicate" in capsys.readouterr().err
    assert main(["submit", str(bad), *db]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}: rejected: ")  # every reason, one line
    assert "metrics.fsr.value 2 is outside" in err and "; method.name contains markup" in err
    assert main(["submit", str(broken), *db]) == 1
    err = capsys.readouterr().err
    assert "broken.json: not JSON: line 1" in err
    assert main(["submit", str(tmp_path / "absent.json"), *db]) == 1
    assert len(list((tmp_path / "entries").glob("*.json"))) == 1


def test_committed_entry_files_are_imported_and_checked(tmp_path, store):
    doc = submit_results(make_results(), store)
    fresh = Store(f"sqlite:///{tmp_path / 'other.sqlite'}", store.entries_dir)
    assert sync_entry_files(fresh) == 1 and fresh.ids() == {doc["id"]}
    boards = {b.id: es for b, es in board_entries(fresh, "finedance3d@v1")}
    assert [e.name for e in boards["finedance3d@v1"]] == ["my_method"]

    tampered = json.loads(store.entry_path(doc["id"]).read_text())
    tampered["results"]["metrics"]["bas"]["value"] = 7.0
    store.entry_path(doc["id"]).write_text(json.dumps(tampered))
    third = Store(f"sqlite:///{tmp_path / 'third.sqlite'}", store.entries_dir)
    with pytest.raises(SubmissionRejected, match=doc["id"]) as caught:
        sync_entry_files(third)
    assert any("bas.value 7 is outside" in r for r in caught.value.reasons)
    assert any("results changed since submission" in r for r in caught.value.reasons)
    with pytest.raises(SubmissionRejected, match="results changed since submission"):
        sync_entry_files(fresh)  # already imported: the edited file is still refused by its content hash


def _submit_in_child(args: tuple) -> str:
    url, entries, method, barrier = args
    barrier.wait(timeout=30)
    try:
        return submit_results(make_results(method=method), Store(url, entries))["id"]
    except SubmissionRejected as error:
        return "rejected: " + "; ".join(error.reasons)


def test_twenty_concurrent_processes_all_stored(tmp_path):
    url, entries = f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "entries"
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(20)
    with ProcessPoolExecutor(max_workers=20, mp_context=context) as pool:
        ids = list(pool.map(_submit_in_child, [(url, entries, f"method_{i}", barrier) for i in range(20)]))
    assert not [i for i in ids if i.startswith("rejected")], ids
    store = Store(url, entries)
    assert store.ids() == set(ids) and len(ids) == 20
    assert {p.stem for p in store.entry_files()} == set(ids)


def test_concurrent_threads_duplicate_race_keeps_exactly_one(tmp_path):
    url, entries = f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "entries"
    barrier = threading.Barrier(20)
    args = [(url, entries, "same" if i % 2 else f"thread_{i}", barrier) for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(_submit_in_child, args))
    rejected = [o for o in outcomes if o.startswith("rejected")]
    assert len(rejected) == 9 and all("duplicate" in o for o in rejected)
    assert len(Store(url, entries).ids()) == 11


def test_cli_submit_sees_entry_files_merged_without_the_database(tmp_path, store, capsys):
    submit_results(make_results(), store)  # arrives as a committed file; the new database lacks it
    path = tmp_path / "again.json"
    path.write_text(json.dumps(make_results()))
    fresh_db = ["--db", f"sqlite:///{tmp_path / 'fresh.sqlite'}", "--entries", str(store.entries_dir)]
    assert main(["submit", str(path), *fresh_db]) == 1
    assert "duplicate" in capsys.readouterr().err
