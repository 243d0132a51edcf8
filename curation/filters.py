"""Clip filters: each a named score with a threshold from the config (curation/configs/internet.yaml).

Scores are computed for every window that can be scored, so a rejected row keeps all of them; the
reason names every failing filter in FILTER_NAMES order (the first first) with its score and threshold:
`one_dancer: score 0.3 < 0.9` or `one_dancer, full_body: scores 0.3 < 0.9, 0.1 < 0.8`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from manifests.internet import FILTER_NAMES
from models.pose.base import PoseFrames

HEAD, ANKLES = (0, 1, 2, 3, 4), (15, 16)
MOTION_MIN_SCORE = 0.3


def thresholds(config: dict) -> dict[str, float]:
    """Pass mark of every filter (score >= mark passes; duplicate: Hamming distance > mark passes)."""
    f = config["filters"]
    return {"resolution": f["min_short_side"], "fps": f["min_fps"], "duration": config["windows"]["min_s"],
            "audio": 0.5, "one_dancer": f["one_dancer"], "full_body": f["full_body"],
            "keypoint_confidence": f["keypoint_confidence"], "motion": f["motion"], "rhythm": f["rhythm"],
            "duplicate": f["duplicate_hamming"] + 1}  # fmt: skip


def failures(scores: dict[str, float], marks: dict[str, float]) -> list[str]:
    """Names of the filters whose score is missing (NaN) or below its mark, in FILTER_NAMES order."""
    return [name for name in FILTER_NAMES if name in scores and not scores[name] >= marks[name]]  # NaN fails too


def failure_reason(scores: dict[str, float], marks: dict[str, float]) -> str | None:
    """'<f1>, <f2>: scores S1 < T1, S2 < T2' naming every failing filter (the first first); None when all pass."""
    names = failures(scores, marks)
    if not names:
        return None
    values = ", ".join(f"{scores[name]:.3g} < {marks[name]:g}" for name in names)
    return f"{', '.join(names)}: score{'s' if len(names) > 1 else ''} {values}"


def body_heights(pose: PoseFrames, min_score: float = MOTION_MIN_SCORE) -> np.ndarray:
    """(T, P) height in pixels of each person's confident keypoints, clipped to the frame (0 for padding)."""
    confident = (pose.scores >= min_score) & np.isfinite(pose.keypoints[..., 1])
    y = np.clip(np.nan_to_num(pose.keypoints[..., 1]), 0, pose.height)
    top, bottom = np.where(confident, y, np.inf).min(axis=-1), np.where(confident, y, -np.inf).max(axis=-1)
    return np.where(confident.sum(axis=-1) >= 2, bottom - top, 0.0)


def pose_scores(pose: PoseFrames, times_s: np.ndarray, min_person_score: float, visible_score: float,
                min_relative_height: float = 0.0) -> dict:  # fmt: skip
    """one_dancer, full_body, keypoint_confidence and motion of the main (best-scoring) person.

    one_dancer counts the persons at least `min_relative_height` x the tallest one's height in that frame
    (a far passer-by or a small false detection is not a second dancer). full_body: head confident, both
    ankles inside the frame and at least one confident (crossed legs hide one ankle)."""
    heights = body_heights(pose)
    tall = heights >= min_relative_height * heights.max(axis=1, initial=0.0)[:, None]
    persons = ((pose.person_scores >= min_person_score) & tall).sum(axis=1)
    one = persons == 1
    scores = {"one_dancer": float(one.mean()) if len(one) else math.nan}
    main = pose.person_scores[:, 0] >= min_person_score if pose.person_scores.shape[1] else persons > 0
    if not main.any():
        return {**scores, "full_body": 0.0, "keypoint_confidence": 0.0, "motion": 0.0}
    xy, sc = pose.keypoints[:, 0], pose.scores[:, 0]
    inside = (xy[..., 0] >= 0) & (xy[..., 0] < pose.width) & (xy[..., 1] >= 0) & (xy[..., 1] < pose.height)
    visible = inside & (sc >= visible_score)
    ankles = list(ANKLES)
    full = visible[:, list(HEAD)].any(axis=1) & inside[:, ankles].all(axis=1) & visible[:, ankles].any(axis=1)
    scores["full_body"] = float((full & main).mean())
    scores["keypoint_confidence"] = float(sc[main].mean())
    scores["motion"] = motion_energy(xy, sc, main, times_s)
    return scores


def motion_energy(xy: np.ndarray, sc: np.ndarray, present: np.ndarray, times_s: np.ndarray) -> float:
    """Median keypoint speed of the main person between consecutive pose frames, in body heights per second."""
    confident = sc >= MOTION_MIN_SCORE
    heights = [np.ptp(xy[t, confident[t], 1]) for t in range(len(xy)) if present[t] and confident[t].sum() >= 5]
    if len(heights) < 2:
        return 0.0
    height = max(float(np.median(heights)), 1.0)
    speeds = []
    for t in range(len(xy) - 1):
        both = confident[t] & confident[t + 1]
        if present[t] and present[t + 1] and both.sum() >= 5:
            shift = np.linalg.norm(xy[t + 1, both] - xy[t, both], axis=-1).mean()
            speeds.append(shift / height / max(times_s[t + 1] - times_s[t], 1e-6))
    return float(np.median(speeds)) if speeds else 0.0


def rhythm_score(onset_env: np.ndarray, beat_frames: np.ndarray) -> float:
    """Mean onset strength on tracked beats over the mean onset strength (1 = no pulse); 0 for silence."""
    mean = float(onset_env.mean()) if len(onset_env) else 0.0
    beats = beat_frames[(beat_frames >= 0) & (beat_frames < len(onset_env))]
    if mean <= 1e-6 or len(beats) < 2:
        return 0.0
    return float(onset_env[beats].mean() / mean)


def dhash(frame: np.ndarray) -> str:
    """64-bit difference hash (hex) of an RGB frame: robust to re-encoding and resizing."""
    small = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    """Differing bits of two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
