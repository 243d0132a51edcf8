"""leaderboard.integrity: NaN/Infinity found by JSON path, set values recomputed from per-item rows, reserved
reference-row names, content hashes."""

from __future__ import annotations

import copy
import json
import math

import pytest

from leaderboard.integrity import (
    _PER_VIDEO_VBENCH,
    aggregate_problems,
    content_hash,
    json_path,
    name_key,
    non_finite,
    non_finite_problems,
    recomputed_means,
    reserved_name_problems,
)
from tests.leaderboard.test_submission import make_results


def test_json_path_names_keys_and_indexes():
    assert json_path(("metrics", "fid_k", "ci95", 1)) == "metrics.fid_k.ci95[1]"
    assert json_path(("per_item", 3, "bas")) == "per_item[3].bas"
    assert json_path(()) == "(top level)"


def test_non_finite_finds_every_nan_and_infinity_with_its_path():
    doc = json.loads('{"a": [1.0, NaN, {"b": Infinity}], "c": {"d": -Infinity, "e": 1e999}, "f": null, "g": "NaN"}')
    assert [(p, str(v)) for p, v in non_finite(doc)] == [("a[1]", "nan"), ("a[2].b", "inf"), ("c.d", "-inf"), ("c.e", "inf")]
    (problem,) = non_finite_problems(doc)
    assert "a[1] is NaN" in problem and "c.d is -Infinity" in problem and "c.e is Infinity" in problem


def test_many_non_finite_values_are_listed_with_a_count():
    (problem,) = non_finite_problems({"per_item": [{"bas": math.nan} for _ in range(8)]})
    assert "per_item[4].bas is NaN" in problem and "per_item[5]" not in problem and "(and 3 more)" in problem
    assert non_finite_problems(make_results()) == []


def test_consistent_results_pass_and_fid_is_never_recomputed():
    assert aggregate_problems(make_results()) == []
    results = make_results()
    results["metrics"]["fid_k"]["value"] = 99.0  # needs features the file does not hold
    assert aggregate_problems(results) == []
    assert all(not m.metric.startswith(("fid", "div", "fvd")) for p in ("finedance3d@v1", "ma_video@mace", "animation@v1")
               for m in recomputed_means(p))
    assert recomputed_means("unknown@v0") == ()


def test_an_edited_mean_names_metric_claimed_and_recomputed_value():
    results = make_results()
    results["metrics"]["bas"]["value"] = 0.65
    assert aggregate_problems(results) == ["metrics.bas: claimed 0.65 but its per-item 'bas' values give 0.6"]


def test_fsr_is_the_mean_of_the_left_and_right_means_and_n_counts_items_with_both():
    results = make_results()
    for i, row in enumerate(results["per_item"]):
        row["fsr_left"], row["fsr_right"] = (0.2, 0.4) if i else (None, 0.4)  # item 0: no left contact
    results["metrics"]["fsr"].update(value=0.3, ci95=[0.2, 0.4], n=13)
    assert aggregate_problems(results) == []
    results["metrics"]["fsr"]["n"] = 14
    assert aggregate_problems(results) == ["metrics.fsr: n is 14 but 13 per-item 'fsr_left' and 'fsr_right' values are finite"]


def test_undefined_items_are_skipped_and_non_numbers_are_named():
    results = make_results()
    results["per_item"][0]["bas"] = None  # a sequence without music beats
    results["metrics"]["bas"]["n"] = 13
    assert aggregate_problems(results) == []
    results["per_item"][1]["bas"] = "0.6"
    assert "per_item[1].bas is not a number: '0.6'" in aggregate_problems(results)


def test_a_recomputable_value_without_per_item_rows_is_refused_and_not_computed_ones_are_skipped():
    results = make_results()
    for row in results["per_item"]:
        del row["bas"]
    assert aggregate_problems(results) == ["metrics.bas: value 0.6 has no per-item 'bas' values to recompute it from"]
    results["metrics"]["bas"] = {"value": None, "ci95": None, "n": 0, "note": "not computed: no beats"}
    assert aggregate_problems(results) == []


def test_lodge_compat_bas_averages_only_its_song_ids():
    results = make_results(protocol="finedance3d@lodge")
    results["per_item"].append({"id": "193_000", "bas": 0.0})  # song 193: not in LODGE's id list, left out
    assert aggregate_problems(results) == []


def test_the_reference_block_is_recomputed_from_gt_columns_where_rows_hold_them():
    results = make_results(protocol="ma2d@v1")
    for row in results["per_item"]:
        row["bas_gt"] = 0.25
    results["reference"] = {"bas": {"value": 0.25, "ci95": [0.2, 0.3], "n": 14, "better": "higher"}}
    assert aggregate_problems(results) == []
    results["reference"]["bas"]["value"] = 0.5
    assert aggregate_problems(results) == ["reference.bas: claimed 0.5 but its per-item 'bas_gt' values give 0.25"]
    motion3d = make_results()
    motion3d["reference"] = {"bas": {"value": 0.9, "ci95": [0.8, 1.0], "n": 14}}  # 3D rows hold no GT columns
    assert aggregate_problems(motion3d) == []


def test_per_video_vbench_dimensions_follow_the_benchmark_aggregates():
    from benchmark.metrics.appearance.aesthetic import AestheticQuality
    from benchmark.metrics.appearance.consistency import FeatureConsistency
    from benchmark.metrics.appearance.flickering import TemporalFlickering
    from benchmark.metrics.appearance.imaging_quality import ImagingQuality
    from benchmark.metrics.appearance.motion_smoothness import MotionSmoothness
    from benchmark.protocols.ma_video import MA_VIDEO_MACE

    per_video = {c.name for c in (AestheticQuality, ImagingQuality, MotionSmoothness, TemporalFlickering) if c.aggregate == "videos"}
    assert FeatureConsistency.aggregate == "frames"
    assert {short for short, dim in MA_VIDEO_MACE.appearance if dim in per_video} == set(_PER_VIDEO_VBENCH)


@pytest.mark.parametrize("name", ["Ground Truth", " ground  truth ", "GROUND_TRUTH", "GT", "g t", "G-T", "\tgt\n"])
def test_reference_row_names_are_reserved_for_the_ground_truth_method(name):
    assert name_key(name) in ("groundtruth", "gt")
    (problem,) = reserved_name_problems("--name", name, "my_method")
    assert problem.startswith(f"--name {name!r} is reserved for the ground-truth reference row")
    assert reserved_name_problems("--name", name, "ground_truth") == []


@pytest.mark.parametrize("name", ["GTX", "Ground Truth+", "my_method", "ground_truth+mannequin"])
def test_other_names_are_free(name):
    assert reserved_name_problems("method.name", name, name) == []


def test_content_hash_is_canonical_and_changes_with_content():
    results = make_results()
    reordered = dict(reversed(list(copy.deepcopy(results).items())))
    assert content_hash(reordered) == content_hash(results) and len(content_hash(results)) == 64
    results["per_item"][0]["bas"] = 0.61
    assert content_hash(results) != content_hash(reordered)


def test_a_baseline_with_nan_is_never_written(tmp_path):
    from leaderboard.regression import BaselineError, write_baseline

    results = make_results()
    results["metrics"]["div_k"]["value"] = math.nan
    with pytest.raises(BaselineError, match=r"not written: non-finite number: runs\[0\]\.metrics\.div_k\.value is NaN"):
        write_baseline(tmp_path / "baseline.json", [results])
    assert not (tmp_path / "baseline.json").exists()
