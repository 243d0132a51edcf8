"""2D motion metrics on coco_25 keypoints (MACE-Dance Evaluation-Motion and its corrected variant).

Spec: /work/shared/specs/ma2d_protocol.md; protocols `ma2d@mace` and `ma2d@v1` choose the joint map,
coordinate order, frame time, plane features and normalisation these modules take as arguments.
"""
