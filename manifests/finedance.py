"""FineDance's official splits and genre labels (motion_metrics spec section 10).

Sequence ids are the 3-digit file stems ("001".."211"). The cross-genre test list and the ignore list
follow LODGE (the FineDance repository also ignores 130, which LODGE keeps in the test set).
"""

from __future__ import annotations

SPLIT_SCHEMES = ("cross_genre", "cross_dancer")

CROSS_GENRE_TEST = frozenset(
    ("063", "132", "143", "036", "098", "198", "130", "012", "211", "193",
     "179", "065", "137", "161", "092", "120", "037", "109", "204", "144")
)  # fmt: skip
CROSS_DANCER_TEST = frozenset([f"{i:03d}" for i in range(1, 14)] + ["124", "126", "128", "130", "132"])
IGNORED = frozenset([f"{i:03d}" for i in range(116, 124)] + ["202"])

# label_json field "style2" -> class index (16 classes).
GENRES = (
    "Breaking", "Popping", "Locking", "Hiphop", "Urban", "Jazz", "Dai", "Uighur", "Hmong", "HanTang",
    "ShenYun", "Kun", "DunHuang", "Korean", "Choreography", "Chinese",
)  # fmt: skip


def finedance_split(sequence_id: str, scheme: str = "cross_genre") -> str:
    """'train', 'test' or 'ignored' for a FineDance sequence id under a split scheme."""
    if scheme not in SPLIT_SCHEMES:
        raise ValueError(f"unknown FineDance split scheme {scheme!r}; expected one of {SPLIT_SCHEMES}")
    if sequence_id in IGNORED:
        return "ignored"
    test = CROSS_GENRE_TEST if scheme == "cross_genre" else CROSS_DANCER_TEST
    return "test" if sequence_id in test else "train"
