"""The 3D motion pipeline: a protocol + GT/pred sets -> metrics with bootstrap CIs -> results dict.

Everything variant-specific is read from the `Protocol`; this module only wires the metric
functions together, so a published variant and its corrected twin share one code path.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from benchmark.inputs.beat_cache import cached_beats
from benchmark.inputs.motion_sets import MotionSet, find_music
from benchmark.inputs.sequence_sources import sequence_sources
from benchmark.metrics.motion.beat_align import (
    BAILANDO_SMOOTHING_SIGMA,
    LODGE_BAS_TEST_IDS,
    bailando_motion_beats,
    bas_bailando,
    bas_fact,
    lodge_bas_mean,
    mean_score,
    onehot_to_frames,
)
from benchmark.metrics.motion.floor import DRIFT_WARN_METRES, FLOOR_PERCENTILE, floor_height
from benchmark.metrics.motion.foot_contact import pfc_scores
from benchmark.metrics.motion.foot_skating import foot_skating_ratios, fsr_mean
from benchmark.metrics.motion.frechet import normalize
from benchmark.metrics.motion.geometric import geometric_features
from benchmark.metrics.motion.kinetic import kinetic_features
from benchmark.metrics.motion.preprocess import bailando_positions, lodge_positions
from benchmark.metrics.motion.sync import DEFAULT_MIN_SHIFT_SECONDS, DEFAULT_PERMUTATIONS, bas_sync
from benchmark.pipelines.common import assemble_results, fid_div_metrics, group_warnings, per_item_metric, progress
from benchmark.protocols.registry import Protocol
from benchmark.results import metric_entry
from models.array_files import load_npy
from models.command_line import InputError
from models.music.reference_beats import bailando_music_beats, lodge_music_beats

ROBUST_GROUND_NOTE = (f"FSR contact heights above each sequence's floor (the {FLOOR_PERCENTILE:g}th percentile of its lowest "
                      "foot joint over all frames), not LODGE's frame-0 toe height")

log = logging.getLogger(__name__)

_PIPELINE_FPS = {"bailando": 60.0, "lodge": 30.0}
_PIPELINES: dict[str, Callable[[Path], np.ndarray]] = {
    "bailando": bailando_music_beats,
    "lodge": lodge_music_beats,
}


@dataclass
class BeatSource:
    """Where music beats come from: audio files by id, or one-hot arrays (N,T) per set."""

    music_dir: Path | None = None
    onehot: dict[str, np.ndarray] = field(default_factory=dict)
    music_files: dict[str, Path] = field(default_factory=dict)  # id -> music, when the caller found it already
    cache_dir: Path | None = None  # on-disk beat cache keyed by audio content and pipeline (None: none)
    _cache: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_args(cls, music_dir: Path | None, gt_beats: Path | None, pred_beats: Path | None,
                  cache_dir: Path | None = None) -> BeatSource:
        onehot = {}
        for name, path in (("GT", gt_beats), ("pred", pred_beats)):
            if path is not None:
                onehot[name] = read_beat_onehot(path)
        return cls(music_dir=music_dir, onehot=onehot, cache_dir=cache_dir)

    def available(self) -> bool:
        return self.music_dir is not None or bool(self.onehot) or bool(self.music_files)

    def beats(self, protocol: Protocol, motion_set: MotionSet, role: str) -> dict[str, np.ndarray]:
        """Music beat frames (at the set's fps) for every sequence of the set playing `role` (GT/pred)."""
        if role in self.onehot:
            rows = self.onehot[role]
            if rows.shape[0] != len(motion_set):
                raise ValueError(
                    f"{motion_set.name} beats have {rows.shape[0]} rows for {len(motion_set)} sequences"
                )
            return {i: onehot_to_frames(rows[k]) for k, i in enumerate(motion_set.ids)}
        if self.music_dir is None and not self.music_files:
            raise ValueError(f"no music beats for {motion_set.name}: pass --music or --gt-beats/--pred-beats")
        pipeline_fps = _PIPELINE_FPS[protocol.music_beats]
        out = {}
        for i in progress(motion_set.ids, f"{role} music beats"):
            key = (protocol.music_beats, i)
            if key not in self._cache:
                music = self.music_files.get(i) or find_music(self.music_dir, i)
                self._cache[key] = cached_beats(music, protocol.music_beats, _PIPELINES[protocol.music_beats], self.cache_dir)
            frames = self._cache[key]
            if abs(motion_set.fps - pipeline_fps) > 1e-6:
                if protocol.compat_with == "corrected":
                    frames = np.unique(np.round(frames * motion_set.fps / pipeline_fps).astype(np.int64))
                else:
                    warnings.warn(
                        f"{protocol.id}: the reference's music beats are at {pipeline_fps:g} fps but "
                        f"{motion_set.name} is at {motion_set.fps:g} fps; reproduced as published "
                        "(beats misaligned with the motion)",
                        stacklevel=2,
                    )
            out[i] = frames
        return out


def read_beat_onehot(path: Path) -> np.ndarray:
    """Music beats as a one-hot (N,T) (or (T,)) array from a .npy file."""
    arr = load_npy(path) if path.suffix == ".npy" else None
    if arr is None or arr.ndim not in (1, 2):
        raise InputError(path, "expected a one-hot beat array (N,T) in a .npy file")
    return arr[None] if arr.ndim == 1 else arr


@dataclass(frozen=True)
class SetFeatures:
    kinetic: np.ndarray  # (N, Dk)
    geometric: np.ndarray  # (N, 32)


def _frame_time(value: float | None, fps: float) -> float:
    return value if value is not None else 1.0 / fps


def extract_features(protocol: Protocol, joints: dict[str, np.ndarray], fps: float) -> SetFeatures:
    """Kinetic and geometric features of every sequence, with the protocol's preprocessing."""
    prepare = bailando_positions if protocol.preprocess == "bailando" else lodge_positions
    kinetic, geometric = [], []
    for seq_id, positions in progress(list(joints.items()), "features"):
        try:
            pos = prepare(positions, protocol.max_frames)
            kinetic.append(kinetic_features(pos, _frame_time(protocol.kinetic_frame_time, fps), protocol.kinetic_ee_bug))
            geometric.append(geometric_features(pos, _frame_time(protocol.geometric_frame_time, fps)))
        except ValueError as error:
            raise ValueError(f"sequence {seq_id}: {error}") from None
    return SetFeatures(np.stack(kinetic), np.stack(geometric))


def _set_metrics(
    name: str, ref: np.ndarray, pred: np.ndarray, gt: np.ndarray, protocol: Protocol, n_boot: int, seed: int,
    pred_groups: np.ndarray | None = None, gt_groups: np.ndarray | None = None,
) -> tuple[dict, dict]:
    """FID and DIV of pred (against the reference set) and the GT's own DIV, with CIs (grouped when labelled)."""
    norm = normalize(ref, pred, mode=protocol.normalization)
    gt_norm = normalize(ref, gt, mode=protocol.normalization).pred
    return fid_div_metrics(name, norm.pred, norm.gt, gt_norm, protocol, n_boot, seed, pred_groups, gt_groups)


def _sigma(protocol: Protocol, fps: float) -> float:
    return protocol.bas_sigma_frames if protocol.bas_sigma_frames is not None else protocol.bas_sigma_seconds * fps


def _smoothing(protocol: Protocol, fps: float) -> float:
    """The kinematic-beat speed smoothing in frames: 5 as published, or the protocol's seconds at the data fps."""
    seconds = protocol.bas_smoothing_seconds
    return BAILANDO_SMOOTHING_SIGMA if seconds is None else seconds * fps


def _bas_scores(protocol: Protocol, joints: dict[str, np.ndarray], beats: dict[str, np.ndarray], fps: float) -> dict[str, float]:
    """Per-sequence BAS with the protocol's definition (raw, uncentred positions as the references)."""
    sigma = _sigma(protocol, fps)
    truncate = protocol.bas != "lodge"  # LODGE's slice bug keeps music beats past the motion
    smoothing = _smoothing(protocol, fps)
    return {i: bas_bailando(joints[i][:, :24], beats[i], sigma, truncate, smoothing) for i in joints}


def _bas_metric(protocol: Protocol, scores: dict[str, float], n_boot: int, seed: int,
                sources: dict[str, str] | None = None) -> dict:
    if protocol.lodge_bas_id_filter:
        kept = {i: s for i, s in scores.items() if i[:3] in LODGE_BAS_TEST_IDS}
        value = lodge_bas_mean(list(scores), list(scores.values()))
        return per_item_metric(kept, "higher", n_boot, seed, aggregate=value, sources=sources)
    return per_item_metric(scores, "higher", n_boot, seed, aggregate=mean_score(list(scores.values())), sources=sources)


def _sync_metric(protocol: Protocol, joints: dict[str, np.ndarray], beats: dict[str, np.ndarray], fps: float, n_boot: int, seed: int) -> tuple[dict, dict[str, float]]:
    """bas_sync (true-pair BAS minus its time-shift null) with its CI, the p-value in the note, and per item."""
    ids = list(joints)
    result = bas_sync([joints[i][:, :24] for i in ids], [beats[i] for i in ids], fps, protocol.bas_sigma_seconds,
                      DEFAULT_PERMUTATIONS, seed, n_boot=n_boot, smoothing=_smoothing(protocol, fps))
    note = (f"true-pair BAS {result.true_bas.mean():.4g} (CI {result.true_ci95[0]:.4g}-{result.true_ci95[1]:.4g}) "
            f"minus its null {result.null_bas.mean():.4g} (95% band {result.null_band95[0]:.4g}-{result.null_band95[1]:.4g}; "
            f"{DEFAULT_PERMUTATIONS} circular music shifts >= {DEFAULT_MIN_SHIFT_SECONDS:g} s, seed {seed}); "
            f"p={result.p_value:.4g}")
    entry = metric_entry(result.value, result.ci95, result.excess.size, "higher", note)
    kept = [i for i, keep in zip(ids, result.kept) if keep]
    return entry, dict(zip(kept, result.excess.tolist()))


def _beat_frames(joints: dict[str, np.ndarray], beats: dict[str, np.ndarray], smoothing: float) -> dict[str, dict[str, list[int]]]:
    """Per sequence the music beats and the kinematic beats as the BAS sees them (for the report plots)."""
    return {i: {"music": [int(b) for b in beats[i]], "motion": bailando_motion_beats(joints[i][:, :24], smoothing).tolist()}
            for i in joints}


def _floors(role: str, joints: dict[str, np.ndarray]) -> dict[str, float]:
    """Estimated floor height per sequence, with a warning when some sit off y = 0 (contact metrics read heights)."""
    floors = {i: floor_height(j) for i, j in joints.items()}
    off = [abs(f) for f in floors.values() if abs(f) > DRIFT_WARN_METRES]
    if off:
        warnings.warn(f"{role}: {len(off)} of {len(floors)} sequences have their floor more than "
                      f"{DRIFT_WARN_METRES * 100:g} cm from y = 0 (up to {max(off):.3f} m); FSR and PFC read foot "
                      "contact from heights (per-sequence floors in per_item)", stacklevel=3)  # fmt: skip
    return floors


_FAILURES = (ValueError, FloatingPointError, np.linalg.LinAlgError)  # a metric's own failure; missing files still abort


def _better(protocol: Protocol, name: str) -> str | None:
    try:
        return protocol.metric(name).better
    except KeyError:
        return None


def _not_computed(protocol: Protocol, names: tuple[str, ...], reason: str) -> dict:
    """"not computed: <reason>" entries (the form video metrics without weights take)."""
    return {n: metric_entry(None, None, 0, _better(protocol, n), f"not computed: {reason}") for n in names}


def _guarded(protocol: Protocol, target: dict, names: tuple[str, ...], compute: Callable[[], dict]) -> str | None:
    """Add compute()'s metric entries to `target`; if it fails, `names` are not computed (with a warning) and the
    reason is returned, so one metric that cannot be computed never costs the others."""
    try:
        target.update(compute())
        return None
    except _FAILURES as error:
        reason = str(error)
        warnings.warn(f"{', '.join(names)} not computed: {reason}", stacklevel=2)
        target.update(_not_computed(protocol, names, reason))
        return reason


def _extra_names(protocol: Protocol, has_beats: bool) -> tuple[str, ...]:
    """The protocol's extra per-sequence metrics that can run (bas_fact needs music beats)."""
    return tuple(n for n in ("bas_fact", "pfc", "fsr") if n in protocol.extra and (has_beats or n != "bas_fact"))


def _extra_metric(protocol: Protocol, name: str, joints: dict[str, np.ndarray], beats: dict[str, np.ndarray] | None,
                  fps: float, values: dict[str, dict[str, float]], n_boot: int, seed: int,
                  sources: dict[str, str] | None = None) -> dict:
    """One extra metric's entry; its per-sequence values go into `values` (FSR: fsr_left / fsr_right)."""
    if name == "bas_fact":
        assert beats is not None
        scores = {i: bas_fact(joints[i][:, :24], beats[i], _sigma(protocol, fps)) for i in joints}
    elif name == "pfc":
        scores = {i: float(pfc_scores(joints[i], up_axis="y")) for i in joints}
    else:
        ratios = {i: foot_skating_ratios(joints[i], floor_height(joints[i]) if protocol.robust_ground else None)
                  for i in joints}
        left, right = {i: r[0] for i, r in ratios.items()}, {i: r[1] for i, r in ratios.items()}
        value = fsr_mean(list(left.values()), list(right.values()), exclude_undefined=protocol.compat_with == "corrected")
        both = {i: (left[i] + right[i]) / 2 for i in left}
        values.update(fsr_left=left, fsr_right=right)
        return {"fsr": per_item_metric(both, "lower", n_boot, seed, aggregate=value, sources=sources)}
    values[name] = scores
    return {name: per_item_metric(scores, protocol.metric(name).better, n_boot, seed, sources=sources)}


def _feature_metrics(protocol: Protocol, joints: dict[str, dict[str, np.ndarray]], ref_joints: dict[str, np.ndarray] | None,
                     fps: float, n_boot: int, seed: int, sources: dict[str, dict[str, str] | None]) -> tuple[dict, dict]:
    """FID/DIV per feature kind against the reference (`ref_joints`, None: the GT); a kind that fails is not computed.
    `sources` (per role: id -> source sequence, or None) groups the CIs."""
    metrics: dict = {}
    ref_block: dict = {}
    cache: dict[str, SetFeatures | ValueError] = {}  # a set whose features fail fails both kinds, extracted once
    groups = {role: None if sources[role] is None else np.array([sources[role][i] for i in joints[role]])  # type: ignore[index]
              for role in ("pred", "GT")}  # fmt: skip

    def features(role: str) -> SetFeatures:
        if role not in cache:
            try:
                cache[role] = extract_features(protocol, ref_joints if role == "ref" else joints[role], fps)
            except ValueError as error:
                cache[role] = error
        found = cache[role]
        if isinstance(found, ValueError):
            raise found
        return found

    for kind in ("kinetic", "geometric"):
        def compute(kind: str = kind) -> dict:
            reference = features("GT" if ref_joints is None else "ref")
            m, r = _set_metrics(kind[0], getattr(reference, kind), getattr(features("pred"), kind),
                                getattr(features("GT"), kind), protocol, n_boot, seed, groups["pred"], groups["GT"])  # fmt: skip
            ref_block.update(r)
            return m

        reason = _guarded(protocol, metrics, (f"fid_{kind[0]}", f"div_{kind[0]}"), compute)
        if reason is not None:
            ref_block.update(_not_computed(protocol, (f"div_{kind[0]}",), reason))
    return metrics, ref_block


def _check_sets(protocol: Protocol, gt: MotionSet, pred: MotionSet, reference: MotionSet) -> None:
    for other in (pred, reference):
        if abs(other.fps - gt.fps) > 1e-6:
            raise ValueError(f"{other.name} is at {other.fps:g} fps but GT is at {gt.fps:g} fps; resample first")
    if len(pred) < 2 or len(reference) < 2:
        raise ValueError("FID and DIV need at least 2 sequences in each set")
    if protocol.compat_with != "corrected" and abs(gt.fps - protocol.reference_fps) > 1e-6:
        warnings.warn(
            f"{protocol.id}: data is at {gt.fps:g} fps but the published code assumes "
            f"{protocol.reference_fps:g} fps (its frame-time constants are reproduced unchanged); "
            "use the @v1 protocol for physically scaled features",
            stacklevel=3,
        )


def score_motion3d(
    protocol: Protocol,
    gt: MotionSet,
    pred: MotionSet,
    reference: MotionSet | None,
    beats: BeatSource,
    method: dict[str, Any],
    n_boot: int = 1000,
    seed: int = 0,
    label: str | None = None,
    timing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score pred against GT under `protocol`; returns a results dict that follows the schema."""
    reference = reference or gt
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _check_sets(protocol, gt, pred, reference)
        roles = {"GT": gt, "pred": pred}
        joints = {role: s.joints(protocol) for role, s in roles.items()}
        ref_joints = None if reference is gt else reference.joints(protocol)
        sources = {role: sequence_sources(s.ids) if protocol.grouped_bootstrap else None for role, s in roles.items()}
        metrics, ref_block = _feature_metrics(protocol, joints, ref_joints, gt.fps, n_boot, seed, sources)

        per_item: dict[str, dict[str, Any]] = {i: {"id": i} for i in pred.ids}
        set_beats = {role: beats.beats(protocol, s, role) for role, s in roles.items()} if beats.available() else {}
        for name, target in (("pred", metrics), ("GT", ref_block)):
            values: dict[str, dict[str, float]] = {}  # metric -> per-sequence values
            set_joints, set_beat = joints[name], set_beats.get(name)
            if set_beat is not None and set_joints:
                def bas() -> dict:
                    values["bas"] = _bas_scores(protocol, set_joints, set_beat, gt.fps)
                    return {"bas": _bas_metric(protocol, values["bas"], n_boot, seed, sources[name])}

                _guarded(protocol, target, ("bas",), bas)
            for extra in _extra_names(protocol, set_beat is not None):
                _guarded(protocol, target, (extra,), lambda extra=extra: _extra_metric(
                    protocol, extra, set_joints, set_beat, gt.fps, values, n_boot, seed, sources[name]))  # fmt: skip
            if "bas" in values and "bas_sync" in protocol.extra:
                def sync() -> dict:
                    entry, values["bas_sync"] = _sync_metric(protocol, set_joints, set_beat, gt.fps, n_boot, seed)
                    return {"bas_sync": entry}

                _guarded(protocol, target, ("bas_sync",), sync)
            floors = _floors(name, set_joints)
            if name == "pred":
                for i, floor in floors.items():
                    per_item[i]["floor"] = floor
                if "bas" in values:
                    for i, frames in _beat_frames(set_joints, set_beat, _smoothing(protocol, gt.fps)).items():
                        per_item[i]["beats"] = frames
                for metric, per_sequence in values.items():
                    for i, v in per_sequence.items():
                        per_item[i][metric] = float(v) if np.isfinite(v) else None
        if not beats.available():
            warnings.warn("no music beats given (--music or --gt-beats/--pred-beats): BAS not computed", stacklevel=2)
        if metrics and all(m["value"] is None and m.get("note", "").startswith("not computed") for m in metrics.values()):
            raise ValueError("no metric could be computed: " + "; ".join(str(w.message) for w in caught
                                                                          if "not computed" in str(w.message)))
        snapped = {s.name: sorted(set(s.snapped_from.values())) for s in (gt, pred, reference) if s.snapped_from}
        for set_name, rates in snapped.items():
            warnings.warn(f"{set_name}: frame rates {', '.join(f'{r:.6g}' for r in rates)} snapped to the nominal "
                          f"{gt.fps:g} fps (within rounding)", stacklevel=2)  # fmt: skip

    protocol_block = {
        "id": protocol.id,
        "version": protocol.version,
        "data_manifest_sha256": gt.sha256,
        "gt_reference_sha256": reference.sha256,
        "gt_reference": reference.name,
        "fps": gt.fps,
    }
    if snapped:
        protocol_block["fps_snapped_from"] = snapped
    if protocol.robust_ground:
        protocol_block["fsr_ground"] = ROBUST_GROUND_NOTE
    grouped = {role: [len(set(ids.values())), len(ids)] for role, ids in sources.items() if ids is not None}
    if grouped:
        protocol_block["bootstrap"] = {"grouped_by": "source sequence (ids <source>_w<k>)", **grouped}
    return assemble_results(
        method, protocol_block, metrics, ref_block, list(per_item.values()), group_warnings([str(w.message) for w in caught]),
        seed, label, timing,
    )
