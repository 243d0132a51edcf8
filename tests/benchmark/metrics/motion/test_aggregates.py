"""Normalisation, FID (Bailando / mint / eigen), diversity and bootstrap CIs against the golden
reference outputs (Bailando metrics_new.py, mint) in tests/fixtures/golden."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from benchmark.metrics import bootstrap
from benchmark.metrics.motion import frechet
from benchmark.metrics.motion.diversity import diversity, diversity_resampled
from benchmark.metrics.motion.frechet import frechet_distance, frechet_distance_resampled, normalize
from benchmark.metrics.warnings import (
    DegenerateMetricWarning,
    MetricWarning,
    NumericalMetricWarning,
)
from tests.golden import GOLDEN, golden_json

FORMS = ("bailando", "mint", "eigen")
REL = 1e-5


def _json(rel: str) -> dict:
    return golden_json(rel)


@pytest.fixture(scope="module")
def case_d():
    gt = np.load(GOLDEN / "caseD/inputs/gt_features.npy")
    pred = np.load(GOLDEN / "caseD/inputs/pred_features.npy")
    return normalize(gt, pred)


def _per_sequence(case: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    seqs = _json(f"{case}/golden_bailando_{case}.json")["per_sequence"]
    return (np.array([s[key] for s in seqs["gt"]]), np.array([s[key] for s in seqs["pred"]]))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "golden_file", ["golden_fid_variants_scipy1.17.1.json", "golden_summary_caseD.json"]
)
def test_fid_variants_match_case_d(case_d, form, golden_file):
    ref = _json(f"caseD/{golden_file}")
    ref = ref.get("caseD_float64") or ref["summary"]["caseD_float64"]
    expected = {
        "bailando": ref["bailando_calc_fid"]["real"],
        "mint": ref["mint_calculate_frechet_feature_distance(real=gt, result=pred)"],
        "eigen": ref["eig_fid_float64_on_same_normalised_feats"],
    }[form]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 100 sequences, 72 dims: well conditioned, nothing to warn
        assert frechet_distance(case_d.pred, case_d.gt, form) == pytest.approx(expected, rel=REL)


def test_diversity_matches_case_d(case_d):
    ref = _json("caseD/golden_fid_variants_scipy1.17.1.json")["caseD_float64"]
    assert diversity(case_d.pred) == pytest.approx(ref["div_pred"], rel=REL)
    assert diversity(case_d.gt) == pytest.approx(ref["div_gt"], rel=REL)


@pytest.mark.filterwarnings("ignore::benchmark.metrics.warnings.DegenerateMetricWarning")
@pytest.mark.parametrize("case", ["caseA", "caseB"])
@pytest.mark.parametrize("key,suffix", [("kinetic72", "k"), ("manual32", "m")])
def test_fid_and_div_match_bailando_metrics_new(case, key, suffix):
    ref = _json(f"{case}/golden_bailando_{case}.json")["metrics_new.quantized_metrics"]
    norm = normalize(*_per_sequence(case, key))
    for form in FORMS:
        assert frechet_distance(norm.pred, norm.gt, form) == pytest.approx(
            ref[f"fid_{suffix}"]["real"], rel=REL
        ), form
    assert diversity(norm.pred) == pytest.approx(ref[f"div_{suffix}"]["real"], rel=REL)
    assert diversity(norm.gt) == pytest.approx(ref[f"div_{suffix}_gt"]["real"], rel=REL)


@pytest.mark.filterwarnings("ignore::benchmark.metrics.warnings.DegenerateMetricWarning")
@pytest.mark.parametrize("key,suffix", [("kinetic66", "k"), ("manual32", "m")])
def test_fid_and_div_match_lodge_metrics_finedance(key, suffix):
    golden = _json("caseF/golden_lodge_caseF.json")
    ref = golden["metrics_finedance.quantized_metrics"]
    seqs = golden["per_sequence_features"]
    norm = normalize(*(np.array([s[key] for s in seqs[side]]) for side in ("gt", "pred")))
    assert frechet_distance(norm.pred, norm.gt) == pytest.approx(ref[f"fid_{suffix}"]["real"], rel=REL)
    assert diversity(norm.pred) == pytest.approx(ref[f"div_{suffix}"]["real"], rel=REL)
    assert diversity(norm.gt) == pytest.approx(ref[f"div_{suffix}_gt"]["real"], rel=REL)


def test_constant_gt_dims_are_warned_with_their_count_in_both_modes():
    gt, pred = _per_sequence("caseA", "manual32")
    constant = np.flatnonzero(np.ptp(gt, axis=0) == 0)
    assert constant.size > 0  # the golden geometric features have never-firing booleans
    for mode in ("compat", "v1"):
        with pytest.warns(DegenerateMetricWarning, match=f"^{constant.size} of 32 GT feature dims"):
            norm = normalize(gt, pred, mode=mode)
        np.testing.assert_array_equal(norm.constant_dims, constant)
    assert norm.gt.shape == (8, 32 - constant.size)
    np.testing.assert_array_equal(norm.dropped_dims, constant)


def test_v1_drops_constant_dims_where_compat_explodes():
    rng = np.random.default_rng(1)
    gt, pred = rng.normal(size=(60, 4)), rng.normal(size=(50, 4))
    gt[:, 2] = 0.5
    pred[:, 2] = 0.5 + 1e-3 * rng.normal(size=50)  # tiny deviation on a dim constant in GT
    with pytest.warns(DegenerateMetricWarning):
        compat = normalize(gt, pred)
    with pytest.warns(DegenerateMetricWarning):
        v1 = normalize(gt, pred, mode="v1")
    assert frechet_distance(compat.pred, compat.gt) > 1e10
    kept = normalize(gt[:, [0, 1, 3]], pred[:, [0, 1, 3]])
    assert frechet_distance(v1.pred, v1.gt) == pytest.approx(frechet_distance(kept.pred, kept.gt))
    assert v1.dropped_dims.tolist() == [2] and compat.dropped_dims.size == 0


def test_v1_rejects_an_all_constant_reference():
    with pytest.warns(DegenerateMetricWarning), pytest.raises(ValueError, match="every GT"):
        normalize(np.ones((5, 3)), np.zeros((5, 3)), mode="v1")


@pytest.mark.parametrize("form", FORMS)
def test_singular_covariance_gives_a_finite_value_and_a_warning(form):
    rng = np.random.default_rng(2)
    norm = normalize(rng.normal(size=(10, 72)), rng.normal(size=(6, 72)) + 0.3)
    with pytest.warns(DegenerateMetricWarning) as record:
        value = frechet_distance(norm.pred, norm.gt, form)
    messages = sorted(str(w.message).split(",")[0] for w in record)
    assert messages == [
        "GT features: 10 sequences for 72 dims",
        "pred features: 6 sequences for 72 dims",
    ]
    assert np.isfinite(value) and value > 0


@pytest.mark.parametrize(
    "call",
    [
        lambda x, y: normalize(x, y),
        lambda x, y: frechet_distance(x, y),
        lambda x, y: diversity(x),
    ],
)
def test_non_finite_features_raise(call):
    x = np.random.default_rng(3).normal(size=(5, 4))
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite value\(s\) in sequence row\(s\) \[3\]"):
        call(x, np.zeros((5, 4)))


def test_shape_errors_name_the_problem():
    with pytest.raises(ValueError, match="GT has 3 feature dims but pred has 4"):
        normalize(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2 sequence"):
        diversity(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="unknown FID form"):
        frechet_distance(np.eye(3), np.eye(3), "torch")


def test_sqrtm_fallbacks_follow_each_reference(case_d, monkeypatch):
    exact = frechet_distance(case_d.pred, case_d.gt, "bailando")
    real_sqrtm = frechet._sqrtm
    calls = []

    def first_call_not_finite(a):
        calls.append(a)
        return np.full_like(a, np.inf) if len(calls) == 1 else real_sqrtm(a)

    monkeypatch.setattr(frechet, "_sqrtm", first_call_not_finite)
    with pytest.warns(NumericalMetricWarning, match="retrying with 1e-05"):
        retried = frechet_distance(case_d.pred, case_d.gt, "bailando")
    assert np.isfinite(retried) and retried == pytest.approx(exact, rel=1e-3)

    monkeypatch.setattr(frechet, "_sqrtm", lambda a: real_sqrtm(a) + 0.1j * np.eye(len(a)))
    with pytest.warns(NumericalMetricWarning, match="dropping imaginary component"):
        dropped = frechet_distance(case_d.pred, case_d.gt, "bailando")
    assert dropped == pytest.approx(exact, rel=1e-9)
    with pytest.raises(ValueError, match="imaginary component"):
        frechet_distance(case_d.pred, case_d.gt, "mint")


def test_resampled_fid_and_div_equal_recomputation_on_the_resampled_set(case_d):
    idx = bootstrap.resample_indices(100, n_boot=4, seed=5)
    counts = bootstrap.resample_counts(100, n_boot=4, seed=5)
    fids = frechet_distance_resampled(case_d.pred, case_d.gt, counts)
    divs = diversity_resampled(case_d.pred, counts)
    for b in range(4):
        direct = frechet_distance(case_d.pred[idx[b]], case_d.gt, "eigen")
        assert fids[b] == pytest.approx(direct, rel=1e-8)
        assert divs[b] == pytest.approx(diversity(case_d.pred[idx[b]]), rel=1e-10)


def test_fid_bootstrap_is_fast_deterministic_and_centred_on_the_estimate(case_d):
    def stat(counts):
        return frechet_distance_resampled(case_d.pred, case_d.gt, counts)

    point = frechet_distance(case_d.pred, case_d.gt)
    start = time.perf_counter()
    ci = bootstrap.bootstrap_set_ci(stat, 100, estimate=point, n_boot=1000, seed=0)
    assert time.perf_counter() - start < 2.0
    assert ci[0] < point < ci[1]
    assert bootstrap.bootstrap_set_ci(stat, 100, estimate=point, n_boot=1000, seed=0) == ci
    # duplicates in with-replacement resamples inflate FID: the raw interval misses the estimate
    with pytest.warns(MetricWarning, match="resampling bias"):
        raw = bootstrap.bootstrap_set_ci(stat, 100, estimate=point, centre=False)
    assert raw[0] > point and raw[1] - raw[0] == pytest.approx(ci[1] - ci[0], rel=0.05)
    div = diversity(case_d.pred)
    div_ci = bootstrap.bootstrap_set_ci(
        lambda c: diversity_resampled(case_d.pred, c), 100, estimate=div
    )
    assert div_ci[0] < div < div_ci[1]


def test_bootstrap_ci_of_a_mean_is_seeded_nested_and_contains_the_mean():
    per_seq = _json("caseB/golden_bailando_caseB.json")["BAS"]["gt_per_sequence"]
    values = np.array([s["BA"] for s in per_seq])
    ci95 = bootstrap.bootstrap_ci(values, n_boot=1000, seed=0)
    assert ci95 == bootstrap.bootstrap_ci(values, n_boot=1000, seed=0)
    assert ci95 != bootstrap.bootstrap_ci(values, n_boot=1000, seed=1)
    ci80 = bootstrap.bootstrap_ci(values, n_boot=1000, seed=0, level=0.8)
    assert ci95[0] <= ci80[0] < values.mean() < ci80[1] <= ci95[1]
    lo, hi = bootstrap.bootstrap_ci(values, statistic=np.median)
    assert lo <= np.median(values) <= hi


def test_bootstrap_rejects_undefined_items_and_bad_levels():
    with pytest.raises(ValueError, match=r"items \[1\]"):
        bootstrap.bootstrap_ci([0.2, np.nan, 0.3])
    with pytest.raises(ValueError, match="confidence level"):
        bootstrap.bootstrap_ci([0.2, 0.3], level=95)
    with pytest.warns(DegenerateMetricWarning, match="single item"):
        assert bootstrap.bootstrap_ci([0.4], n_boot=10) == (0.4, 0.4)
