"""Still images (reference images of dancers) read as (H,W,3) uint8 RGB, with errors naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image

MIN_IMAGE_SIDE = 16


def read_image(path: str | Path) -> np.ndarray:
    """(H,W,3) uint8 RGB; FileNotFoundError / ValueError naming the file when it is missing, unreadable or tiny."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: reference image not found")
    try:
        with PIL.Image.open(path) as image:
            array = np.asarray(image.convert("RGB"))
    except (OSError, PIL.UnidentifiedImageError, ValueError) as error:
        raise ValueError(f"{path}: not a readable image ({error.__class__.__name__})") from None
    if min(array.shape[:2]) < MIN_IMAGE_SIDE:
        raise ValueError(f"{path}: image is {array.shape[1]}x{array.shape[0]}, need at least {MIN_IMAGE_SIDE} px a side")
    return array
