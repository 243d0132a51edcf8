"""2D pose estimation behind one interface (COCO-17 keypoints with scores); see models.pose.base.

    estimator = load_pose_estimator("mediapipe")            # bundled model, works offline
    estimator = load_pose_estimator("vitpose", checkpoint="vitpose-s-coco_25.pth", detector="yolov8s.onnx")
    coco25 = to_coco25(estimator.estimate(frames))          # easy_ViTPose layout, (T, 25, 3) y, x, score
"""

from __future__ import annotations

from typing import Any

from models.pose.base import COCO17, FOOT6, PoseEstimator, PoseFrames
from models.pose.layouts import COCO25, to_coco25

ESTIMATORS = ("mediapipe", "vitpose")


def load_pose_estimator(name: str = "mediapipe", **options: Any) -> PoseEstimator:
    """A pose estimator by name; options go to its constructor (MediaPipePose: model_path, max_persons,
    tiles...; ViTPose: checkpoint, size, dataset, detector = 'mediapipe' or a YOLOv8 .onnx path)."""
    if name == "mediapipe":
        from models.pose.mediapipe_pose import MediaPipePose

        return MediaPipePose(**options)
    if name == "vitpose":
        from models.pose.vitpose import ViTPose

        return ViTPose(**options)
    raise ValueError(f"unknown pose estimator {name!r}; expected one of {ESTIMATORS}")


__all__ = ["COCO17", "COCO25", "ESTIMATORS", "FOOT6", "PoseEstimator", "PoseFrames", "load_pose_estimator", "to_coco25"]
