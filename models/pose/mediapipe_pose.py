"""MediaPipe BlazePose (33 landmarks) behind the PoseEstimator interface, mapped to COCO-17 plus feet.

The bundled `.task` model (Apache-2.0, assets/) works offline. Each person is taken from the pass that
sees them whole at the finest scale. Frames up to 4:3 get one whole-frame pass. Wider or taller frames
(portrait phone video, 16:9) also get overlapping square tiles of the short side along the long side:
a tile person whose keypoints reach an inner tile edge is a fragment of someone larger and is dropped;
a whole-frame person whose keypoints fit inside one tile was seen sharper by that tile (or is a ghost
the tiles did not confirm) and is dropped; so a dancer filling a portrait frame comes from the whole
pass and small or side-by-side people from the tiles. Duplicates (two tiles seeing one person) merge
by keypoint agreement or containment (`models.pose.base.is_same_person`). Keypoint score =
landmark visibility; person score = mean COCO-17 score. Feet: heel -> heel, foot_index -> big toe AND
small toe (BlazePose has one toe point per foot). `track` follows one dancer through every frame of a
clip in VIDEO mode (the detector runs only when tracking is lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from models.pose.base import Person, PoseFrames, add_distinct_persons, pose_frames_from_persons
from models.pose.native_logs import quiet_native_logs
from models.video.frames import FrameLimits, check_frames, square_tiles

DEFAULT_MODEL = Path(__file__).parent / "assets" / "pose_landmarker_full_from_0.10.21.task"
BLAZEPOSE_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
BLAZEPOSE_TO_FOOT6 = (31, 31, 29, 32, 32, 30)  # l big toe, l small toe, l heel, r big toe, r small toe, r heel
EDGE_MARGIN = 0.02  # share of the tile side within which a keypoint "reaches" an inner tile edge


def _fits(person: Person, tile: tuple[int, int, int, int], width: int, height: int) -> bool:
    """True when the confident keypoints of `person` keep EDGE_MARGIN off every side of `tile` inside the frame."""
    x0, y0, w, h = tile
    margin = EDGE_MARGIN * max(w, h)
    bx0, by0, bx1, by1 = person.box(0.3)
    return bool((x0 == 0 or bx0 >= x0 + margin) and (x0 + w >= width or bx1 <= x0 + w - margin)
                and (y0 == 0 or by0 >= y0 + margin) and (y0 + h >= height or by1 <= y0 + h - margin))


def _touches_inner_edge(person: Person, tile: tuple[int, int, int, int], width: int, height: int) -> bool:
    """True when a keypoint of `person` lies within EDGE_MARGIN of (or beyond) a tile side inside the frame."""
    x0, y0, w, h = tile
    margin = EDGE_MARGIN * max(w, h)
    x, y = person.keypoints[:, 0], person.keypoints[:, 1]
    return bool((x0 > 0 and (x < x0 + margin).any()) or (x0 + w < width and (x > x0 + w - margin).any())
                or (y0 > 0 and (y < y0 + margin).any()) or (y0 + h < height and (y > y0 + h - margin).any()))


class MediaPipePose:
    """PoseLandmarker in IMAGE mode on each frame (sampled frames need no tracking); `track` for whole clips."""

    name = "mediapipe_blazepose_full"

    def __init__(
        self,
        model_path: str | Path | None = None,
        max_persons: int = 4,
        min_detection_confidence: float = 0.3,
        min_presence_confidence: float = 0.5,
        tiles: int | str = "auto",
        agreement: float = 0.5,
        inside: float = 0.8,
        limits: FrameLimits | None = None,
    ) -> None:
        path = Path(model_path) if model_path else DEFAULT_MODEL
        if not path.is_file():
            raise FileNotFoundError(
                f"MediaPipe pose model {path} not found; use the bundled {DEFAULT_MODEL.name} or a "
                "pose_landmarker_*.task from https://ai.google.dev/edge/mediapipe/solutions/vision/pose_landmarker"
            )
        with quiet_native_logs():
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision

        self._mp, self._vision = mp, vision
        self._options = dict(base_options=BaseOptions(model_asset_path=str(path)),
                             min_pose_detection_confidence=min_detection_confidence,
                             min_pose_presence_confidence=min_presence_confidence)  # fmt: skip
        self._landmarker = self._create(vision.RunningMode.IMAGE, max_persons)
        self.tiles, self.agreement, self.inside = tiles, agreement, inside
        self.limits = limits or FrameLimits.from_env()

    def _create(self, mode, persons: int):
        """A PoseLandmarker in `mode`, its native start-up logs hidden."""
        options = self._vision.PoseLandmarkerOptions(running_mode=mode, num_poses=persons, **self._options)
        with quiet_native_logs():
            return self._vision.PoseLandmarker.create_from_options(options)

    def _image(self, frame: np.ndarray):
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))

    @staticmethod
    def _from_landmarks(result, x0: int = 0, y0: int = 0, w: int = 1, h: int = 1) -> list[Person]:
        """Persons of a landmarker result found in the crop (x0, y0, w, h), in full-frame pixels."""
        found = []
        for landmarks in result.pose_landmarks:
            xy = np.array([(lm.x * w + x0, lm.y * h + y0) for lm in landmarks], np.float32)
            vis = np.clip(np.array([lm.visibility or 0.0 for lm in landmarks], np.float32), 0, 1)
            scores = vis[list(BLAZEPOSE_TO_COCO17)]
            found.append(Person(xy[list(BLAZEPOSE_TO_COCO17)], scores, float(scores.mean()),
                                xy[list(BLAZEPOSE_TO_FOOT6)], vis[list(BLAZEPOSE_TO_FOOT6)]))  # fmt: skip
        return found

    def _persons(self, frame: np.ndarray) -> list[Person]:
        """Each person from the pass that sees them whole at the finest scale, duplicates merged (module doc)."""
        height, width = frame.shape[:2]
        tiles = square_tiles(width, height, self.tiles)
        with quiet_native_logs():
            whole = self._from_landmarks(self._landmarker.detect(self._image(frame)), 0, 0, width, height)
            found = []
            for tile in tiles if len(tiles) > 1 else ():
                x0, y0, w, h = tile
                result = self._landmarker.detect(self._image(frame[y0 : y0 + h, x0 : x0 + w]))
                found += [p for p in self._from_landmarks(result, *tile) if not _touches_inner_edge(p, tile, width, height)]
        if len(tiles) > 1:  # a whole-frame person a tile could hold was seen sharper there (or is a ghost)
            whole = [p for p in whole if not any(_fits(p, tile, width, height) for tile in tiles)]
        return add_distinct_persons([], found + whole, self.agreement, self.inside)

    def _check(self, frames: np.ndarray, what: str) -> np.ndarray:
        frames = check_frames(frames, f"{self.name} {what}")
        self.limits.check(frames.shape[2], frames.shape[1], f"{self.name} {what}")
        return frames

    def estimate(self, frames: np.ndarray) -> PoseFrames:
        """Poses in (T, H, W, 3) uint8 RGB frames."""
        frames = self._check(frames, "pose estimation")
        return pose_frames_from_persons([self._persons(f) for f in frames], frames.shape[2], frames.shape[1])

    def track(self, frames: Iterable[np.ndarray], fps: float) -> PoseFrames:
        """The one dancer in consecutive (H, W, 3) RGB frames at `fps` (VIDEO mode: tracked; a frame where the
        tracker finds nobody is detected afresh in IMAGE mode, which on the stand-in clips filled 5 of 12 frames)."""
        per_frame, shape = [], None
        landmarker = self._create(self._vision.RunningMode.VIDEO, 1)
        try:
            for t, frame in enumerate(frames):
                if shape is None:
                    shape = self._check(frame[None], "pose tracking").shape[1:3]
                elif frame.shape[:2] != shape:
                    raise ValueError(f"{self.name} pose tracking: frame {t} is {frame.shape}, expected {shape}")
                with quiet_native_logs():
                    result = landmarker.detect_for_video(self._image(frame), round(t * 1000 / fps))
                found = self._from_landmarks(result, 0, 0, shape[1], shape[0])
                if not found:  # the tracker lost the dancer: detect this frame afresh (whole frame + tiles)
                    found = sorted(self._persons(frame), key=lambda p: -p.score)[:1]
                per_frame.append(found)
        finally:
            with quiet_native_logs():
                landmarker.close()
        if shape is None:
            raise ValueError(f"{self.name} pose tracking: no frames")
        return pose_frames_from_persons(per_frame, shape[1], shape[0])

    def close(self) -> None:
        """Free the landmarker (MediaPipe's own finaliser fails at interpreter exit)."""
        if self._landmarker is not None:
            with quiet_native_logs():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> MediaPipePose:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
