"""ViTPose (easy_ViTPose torch checkpoints) top-down on person boxes, behind the PoseEstimator interface.

The network is written here with easy_ViTPose's state-dict names (backbone.* ViT with a padded patch
embedding, keypoint_head.* two deconvolutions + 1x1 conv), so its `vitpose-{s,b,l,h}-{coco,coco_25}.pth`
files load unchanged. Inference follows easy_ViTPose: box padded by 10 px, crop padded to 3:4, resized
to 192x256, ImageNet normalisation, heatmaps decoded with UDP + DARK. Person boxes come from a YOLOv8
ONNX file (OpenCV DNN, easy_ViTPose's detector; boxes with confidence > 0.35) or, by default, from the
bundled MediaPipe model. Weights cannot ship: a path, $MACE_VITPOSE or the weights cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from models.pose.base import Person, PoseFrames, pose_frames_from_persons
from models.video.frames import check_frames
from models.vision.weights import WeightFile

VITPOSE_SIZES = {"s": (384, 12, 12), "b": (768, 12, 12), "l": (1024, 24, 16), "h": (1280, 32, 16)}  # dim, depth, heads
DATASET_KEYPOINTS = {"coco": 17, "coco_25": 25}
INPUT_WH = (192, 256)
MEAN, STD = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
BOX_PAD_PX = 10
COCO25_TO_COCO17 = (0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18)
COCO25_FEET = (19, 20, 21, 22, 23, 24)
VITPOSE_WEIGHTS = WeightFile(
    "vitpose-s-coco_25.pth", "MACE_VITPOSE",
    "https://huggingface.co/JunkyByte/easy_ViTPose (torch/coco_25/vitpose-s-coco_25.pth)",
    "easy_ViTPose ViTPose-S coco_25 checkpoint",
)  # fmt: skip
YOLO_WEIGHTS = WeightFile(
    "yolov8s.onnx", "MACE_YOLO",
    "ultralytics YOLOv8 exported to ONNX (`yolo export model=yolov8s.pt format=onnx`) or easy_ViTPose's yolov8 ONNX",
    "YOLOv8 person detector",
)  # fmt: skip
Box = tuple[np.ndarray, float]  # (x0, y0, x1, y1), confidence


class _Block(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.attn = nn.Module()
        self.attn.qkv, self.attn.proj = nn.Linear(dim, dim * 3), nn.Linear(dim, dim)
        self.mlp = nn.Module()
        self.mlp.fc1, self.mlp.fc2 = nn.Linear(dim, dim * 4), nn.Linear(dim * 4, dim)
        self.heads = heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        q, k, v = self.attn.qkv(self.norm1(x)).reshape(batch, tokens, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attended = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(batch, tokens, dim)
        x = x + self.attn.proj(attended)
        return x + self.mlp.fc2(nn.functional.gelu(self.mlp.fc1(self.norm2(x))))


class ViTPoseNet(nn.Module):
    """ViT backbone + classic heatmap decoder; (B, 3, 256, 192) -> (B, K, 64, 48) heatmaps."""

    def __init__(self, dim: int, depth: int, heads: int, keypoints: int, patch: int = 16) -> None:
        super().__init__()
        grid = (INPUT_WH[1] // patch) * (INPUT_WH[0] // patch)
        self.backbone = nn.Module()
        self.backbone.patch_embed = nn.Module()
        self.backbone.patch_embed.proj = nn.Conv2d(3, dim, patch, patch, padding=4)
        self.backbone.pos_embed = nn.Parameter(torch.zeros(1, grid + 1, dim))
        self.backbone.blocks = nn.ModuleList(_Block(dim, heads) for _ in range(depth))
        self.backbone.last_norm = nn.LayerNorm(dim, eps=1e-6)
        self.keypoint_head = nn.Module()
        self.keypoint_head.deconv_layers = nn.Sequential(
            nn.ConvTranspose2d(dim, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(256, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True),
        )  # fmt: skip
        self.keypoint_head.final_layer = nn.Conv2d(256, keypoints, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        backbone = self.backbone
        features = backbone.patch_embed.proj(images)
        batch, dim, rows, cols = features.shape
        x = features.flatten(2).transpose(1, 2) + backbone.pos_embed[:, 1:] + backbone.pos_embed[:, :1]
        for block in backbone.blocks:
            x = block(x)
        x = backbone.last_norm(x).transpose(1, 2).reshape(batch, dim, rows, cols)
        return self.keypoint_head.final_layer(self.keypoint_head.deconv_layers(x))


def decode_heatmaps(heatmaps: np.ndarray, width: int, height: int, kernel: int = 11) -> np.ndarray:
    """(K, h, w) heatmaps of a width x height crop -> (K, 3) x, y, score (argmax + DARK refinement, UDP scaling).

    The DARK offset is clipped to one heatmap cell so that a flat or noisy peak cannot throw a joint away.
    """
    joints, rows, cols = heatmaps.shape
    flat = heatmaps.reshape(joints, -1)
    peak = flat.argmax(axis=1)
    scores = flat.max(axis=1)
    coords = np.stack([peak % cols, peak // cols], axis=1).astype(np.float64)
    for j in range(joints):
        blurred = cv2.GaussianBlur(heatmaps[j].astype(np.float32), (kernel, kernel), 0)
        blurred *= heatmaps[j].max() / max(float(blurred.max()), 1e-10)
        hm = np.log(np.maximum(blurred, 1e-10))
        x, y = int(coords[j, 0]), int(coords[j, 1])
        if 1 < x < cols - 2 and 1 < y < rows - 2:
            dx, dy = 0.5 * (hm[y, x + 1] - hm[y, x - 1]), 0.5 * (hm[y + 1, x] - hm[y - 1, x])
            dxx = 0.25 * (hm[y, x + 2] - 2 * hm[y, x] + hm[y, x - 2])
            dyy = 0.25 * (hm[y + 2, x] - 2 * hm[y, x] + hm[y - 2, x])
            dxy = 0.25 * (hm[y + 1, x + 1] - hm[y - 1, x + 1] - hm[y + 1, x - 1] + hm[y - 1, x - 1])
            hessian = np.array([[dxx, dxy], [dxy, dyy]])
            if abs(np.linalg.det(hessian)) > 1e-12:
                coords[j] -= np.clip(np.linalg.solve(hessian, [dx, dy]), -1, 1)  # at most a cell (flat peaks)
    x = coords[:, 0] * width / (cols - 1) + width // 2 - width / 2
    y = coords[:, 1] * height / (rows - 1) + height // 2 - height / 2
    return np.stack([x, y, scores], axis=1).astype(np.float32)


def pad_to_aspect(crop: np.ndarray, ratio: float = 3 / 4) -> tuple[np.ndarray, int, int]:
    """Zero-pad a crop to width/height = ratio, centred; returns it with the left and top padding."""
    height, width = crop.shape[:2]
    if width / height < ratio:
        left = round((height * ratio - width) / 2)
        return cv2.copyMakeBorder(crop, 0, 0, left, left, cv2.BORDER_CONSTANT), left, 0
    top = round((width / ratio - height) / 2)
    return cv2.copyMakeBorder(crop, top, top, 0, 0, cv2.BORDER_CONSTANT), 0, top


class YoloV8Onnx:
    """YOLOv8 person boxes from an ONNX export through OpenCV DNN (no ultralytics needed)."""

    def __init__(self, path: str | Path | None = None, size: int = 640, confidence: float = 0.35,
                 iou: float = 0.45) -> None:  # fmt: skip
        self.path = YOLO_WEIGHTS.resolve(path)
        try:
            self._net = cv2.dnn.readNetFromONNX(str(self.path))
        except cv2.error as error:
            raise ValueError(f"{self.path}: not a readable YOLOv8 ONNX file ({error})") from error
        self.size, self.confidence, self.iou = size, confidence, iou

    def __call__(self, frame: np.ndarray) -> list[Box]:
        height, width = frame.shape[:2]
        scale = self.size / max(height, width)
        canvas = np.full((self.size, self.size, 3), 114, np.uint8)
        resized = cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_LINEAR)
        canvas[: resized.shape[0], : resized.shape[1]] = resized
        self._net.setInput(canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255)
        output = self._net.forward()[0].T  # (N, 4 + classes): cx, cy, w, h, class scores
        person = output[:, 4]
        keep = person > self.confidence
        cx, cy, w, h = (output[keep, i] / scale for i in range(4))
        boxes = np.stack([cx - w / 2, cy - h / 2, w, h], axis=1)
        chosen = cv2.dnn.NMSBoxes(boxes.tolist(), person[keep].tolist(), self.confidence, self.iou)
        found = []
        for i in np.asarray(chosen, dtype=int).reshape(-1):
            x0, y0, bw, bh = boxes[i]
            box = np.clip([x0, y0, x0 + bw, y0 + bh], 0, [width, height, width, height])
            found.append((box.astype(np.float32), float(person[keep][i])))
        return found


class MediaPipeBoxes:
    """Person boxes from the bundled MediaPipe model: the keypoint box grown by `margin` of its size."""

    def __init__(self, margin: float = 0.15) -> None:
        from models.pose.mediapipe_pose import MediaPipePose

        self._pose, self.margin = MediaPipePose(), margin

    def __call__(self, frame: np.ndarray) -> list[Box]:
        height, width = frame.shape[:2]
        found = []
        for person in self._pose._persons(frame):
            points = np.concatenate([person.keypoints, person.feet]) if person.feet is not None else person.keypoints
            low, high = points.min(axis=0), points.max(axis=0)
            grow = (high - low) * self.margin
            box = np.clip(np.concatenate([low - grow, high + grow]), 0, [width, height, width, height])
            found.append((box.astype(np.float32), person.score))
        return found


def infer_dataset(path: Path) -> str:
    """'coco_25' or 'coco' from an easy_ViTPose file name such as vitpose-s-coco_25.pth."""
    return "coco_25" if re.search(r"coco_?25", path.name) else "coco"


class ViTPose:
    """Top-down ViTPose: detector boxes -> heatmaps -> COCO-17 (+ feet for coco_25 checkpoints)."""

    def __init__(
        self,
        checkpoint: str | Path | None = None,
        size: str = "s",
        dataset: str | None = None,
        detector: str | Path | Callable[[np.ndarray], list[Box]] = "mediapipe",
        net: ViTPoseNet | None = None,
        batch: int = 8,
    ) -> None:
        if size not in VITPOSE_SIZES:
            raise ValueError(f"unknown ViTPose size {size!r}; expected one of {sorted(VITPOSE_SIZES)}")
        if net is None:
            path = VITPOSE_WEIGHTS.resolve(checkpoint)
            dataset = dataset or infer_dataset(path)
            net = ViTPoseNet(*VITPOSE_SIZES[size], DATASET_KEYPOINTS[dataset])
            state = torch.load(path, map_location="cpu", weights_only=True)
            try:
                net.load_state_dict(state.get("state_dict", state))
            except RuntimeError as error:
                raise ValueError(f"{path}: not a ViTPose-{size} {dataset} checkpoint ({error})") from error
        self.dataset = dataset or {17: "coco", 25: "coco_25"}[net.keypoint_head.final_layer.out_channels]
        self.net = net.eval()
        self.detector = MediaPipeBoxes() if detector == "mediapipe" else (
            detector if callable(detector) else YoloV8Onnx(detector))  # fmt: skip
        self.name = f"vitpose-{size}-{self.dataset}"
        self.batch = batch

    def _crops(self, frame: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """(network input, crop offset x/y and size, box score) per detected person."""
        height, width = frame.shape[:2]
        out = []
        for box, score in self.detector(frame):
            x0, y0 = (max(0, round(float(v)) - BOX_PAD_PX) for v in box[:2])
            x1, y1 = min(width, round(float(box[2])) + BOX_PAD_PX), min(height, round(float(box[3])) + BOX_PAD_PX)
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            crop, left, top = pad_to_aspect(frame[y0:y1, x0:x1])
            image = (cv2.resize(crop, INPUT_WH, interpolation=cv2.INTER_LINEAR) / 255.0 - MEAN) / STD
            geometry = np.array([x0 - left, y0 - top, crop.shape[1], crop.shape[0]], np.float32)
            out.append((image.transpose(2, 0, 1).astype(np.float32), geometry, score))
        return out

    @torch.no_grad()
    def _persons(self, frame: np.ndarray) -> list[Person]:
        crops = self._crops(frame)
        persons: list[Person] = []
        for start in range(0, len(crops), self.batch):
            chunk = crops[start : start + self.batch]
            heatmaps = self.net(torch.from_numpy(np.stack([c[0] for c in chunk]))).numpy()
            for maps, (_, geometry, score) in zip(heatmaps, chunk):
                points = decode_heatmaps(maps, int(geometry[2]), int(geometry[3]))
                points[:, :2] += geometry[:2]
                body = points[list(COCO25_TO_COCO17)] if self.dataset == "coco_25" else points
                feet = points[list(COCO25_FEET)] if self.dataset == "coco_25" else None
                persons.append(Person(body[:, :2], np.clip(body[:, 2], 0, 1), score,
                                      None if feet is None else feet[:, :2],
                                      None if feet is None else np.clip(feet[:, 2], 0, 1)))  # fmt: skip
        return persons

    def estimate(self, frames: np.ndarray) -> PoseFrames:
        """Poses in (T, H, W, 3) uint8 RGB frames."""
        frames = check_frames(frames, f"{self.name} pose estimation")
        return pose_frames_from_persons([self._persons(f) for f in frames], frames.shape[2], frames.shape[1])

