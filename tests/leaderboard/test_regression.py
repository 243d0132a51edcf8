"""Leaderboard regression check: unchanged results pass, perturbed ones fail with a readable diff."""

from __future__ import annotations

import copy
import json

import pytest

from leaderboard.cli import main
from leaderboard.regression import (
    DEFAULT_BASELINE,
    DEFAULT_RUNS,
    compare_run,
    failures,
    load_baseline,
    run_reference,
    write_baseline,
)
from leaderboard.store import Store
from leaderboard.submission import submit_results
from tests.leaderboard.test_submission import make_results


@pytest.fixture(scope="module")
def random_motion_results() -> dict:
    """A real benchmark.run output on the bundled sample (the fastest reference run)."""
    return run_reference("random_motion", "finedance3d@v1", seed=0)


def _check(tmp_path, baseline_results: list[dict], new_results: list[dict], *extra: str) -> int:
    baseline = tmp_path / "baseline.json"
    if not baseline.exists():
        write_baseline(baseline, baseline_results)
    paths = []
    for i, results in enumerate(new_results):
        paths.append(tmp_path / f"new{i}.json")
        paths[-1].write_text(json.dumps(results))
    return main(["check", "--baseline", str(baseline), "--results", *map(str, paths), *extra])


def test_unchanged_results_pass(tmp_path, capsys):
    results = [make_results(), make_results(method="other", protocol="aist3d@v1")]
    assert _check(tmp_path, results, results, "--strict") == 0
    assert "regression check passed: 0 of 13 values" in capsys.readouterr().out


def test_worse_move_fails_with_diff(tmp_path, capsys):
    original = make_results()
    perturbed = copy.deepcopy(original)
    perturbed["metrics"]["fid_k"]["value"] *= 1.01  # lower is better: 1% worse
    assert _check(tmp_path, [original], [perturbed]) == 1
    out = capsys.readouterr().out
    assert "FAIL my_method @ finedance3d@v1 metrics.fid_k (lower is better): 10 -> 10.1" in out
    assert "+1.000%" in out and "worse" in out and "FAILED: 1 of" in out


def test_better_move_fails_only_when_strict_and_tolerance_is_respected(tmp_path, capsys):
    original = make_results()
    better = copy.deepcopy(original)
    better["metrics"]["bas"]["value"] += 0.01  # higher is better
    assert _check(tmp_path, [original], [better]) == 0
    assert "note my_method @ finedance3d@v1 metrics.bas" in capsys.readouterr().out
    assert _check(tmp_path, [original], [better], "--strict") == 1
    assert _check(tmp_path, [original], [better], "--strict", "--abs-tolerance", "0.02") == 0
    nudged = copy.deepcopy(original)
    nudged["metrics"]["div_g"]["value"] *= 1 - 1e-8  # within the default relative tolerance
    assert _check(tmp_path, [original], [nudged], "--strict") == 0


def test_vanished_metric_and_unknown_run_fail(tmp_path, capsys):
    original = make_results()
    vanished = copy.deepcopy(original)
    vanished["metrics"]["fsr"]["value"] = None
    vanished["metrics"]["fsr"]["ci95"] = None
    assert _check(tmp_path, [original], [vanished]) == 1
    assert "value disappeared" in capsys.readouterr().out
    assert _check(tmp_path, [original], [make_results(method="stranger")]) == 1
    assert "no baseline run for stranger @ finedance3d@v1" in capsys.readouterr().err


def test_unusable_baseline_is_an_error_naming_the_file(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    write_baseline(baseline, [make_results()])
    edited = json.loads(baseline.read_text())
    edited["tolerance"] = {"relative": 0.1}
    baseline.write_text(json.dumps(edited))
    assert main(["check", "--baseline", str(baseline)]) == 1
    assert f"{baseline}: a tolerance must be" in capsys.readouterr().err
    assert main(["check", "--baseline", str(tmp_path / "absent.json")]) == 1
    assert "create it with `check --update-baseline`" in capsys.readouterr().err


def test_runner_path_against_fresh_baseline(tmp_path, capsys, monkeypatch, random_motion_results):
    calls = []

    def fake_run(method: str, protocol: str, seed: int) -> dict:  # the real run is the fixture's
        calls.append((method, protocol, seed))
        return copy.deepcopy(random_motion_results)

    monkeypatch.setattr("leaderboard.cli.run_reference", fake_run)
    baseline = tmp_path / "baseline.json"
    args = ["check", "--baseline", str(baseline)]
    assert main([*args, "--update-baseline", "--run", "random_motion:finedance3d@v1"]) == 0
    assert main([*args, "--strict"]) == 0
    edited = json.loads(baseline.read_text())
    edited["runs"][0]["metrics"]["fsr"]["value"] *= 0.5  # the code now looks worse than the baseline
    baseline.write_text(json.dumps(edited))
    assert main(args) == 1
    assert "FAIL random_motion @ finedance3d@v1 metrics.fsr" in capsys.readouterr().out
    assert calls == [("random_motion", "finedance3d@v1", 0)] * 3


def test_committed_baseline_matches_current_scores(random_motion_results):
    baseline = load_baseline(DEFAULT_BASELINE)
    assert {(r["method"], r["protocol"]) for r in baseline["runs"]} == set(DEFAULT_RUNS)
    run = next(r for r in baseline["runs"] if (r["method"], r["protocol"]) == ("random_motion", "finedance3d@v1"))
    assert failures(compare_run(baseline, run, random_motion_results), strict=True) == []


def test_real_benchmark_output_is_accepted(tmp_path, random_motion_results):
    store = Store(f"sqlite:///{tmp_path / 'lb.sqlite'}", tmp_path / "entries")
    doc = submit_results(random_motion_results, store)
    assert doc["results"]["method"]["name"] == "random_motion" and store.ids() == {doc["id"]}
