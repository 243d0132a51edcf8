"""2D pose estimation behind one interface (COCO-17 keypoints with scores); see models.pose.base."""

from models.pose.base import COCO17, PoseEstimator, PoseFrames

__all__ = ["COCO17", "PoseEstimator", "PoseFrames"]
