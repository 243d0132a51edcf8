"""The internet source's own manifest columns: download provenance, shot/window placement, filter scores.

Every filter writes a `score_<name>` column (NaN when it could not be computed, e.g. no audio for the
rhythm score); `reason` of a rejected row names every filter that failed, in FILTER_NAMES order.
"""

from __future__ import annotations

import pyarrow as pa

from manifests.schema import manifest_schema

FILTER_NAMES = (
    "resolution", "fps", "duration", "audio", "one_dancer", "full_body", "keypoint_confidence", "motion",
    "rhythm", "duplicate",
)  # fmt: skip
# Reasons a clip or source can be rejected or fail besides a filter.
SOURCE_REASONS = ("unavailable", "download_transient", "unreadable_video", "no_frames", "no_shots")

INTERNET_FIELDS: tuple[pa.Field, ...] = (
    pa.field("url", pa.string()),
    pa.field("platform", pa.string()),  # yt-dlp extractor key ("Youtube", "TikTok", "Generic") or "local"
    pa.field("video_id", pa.string()),
    pa.field("uploader", pa.string()),
    pa.field("license", pa.string()),
    pa.field("upload_date", pa.string()),  # YYYYMMDD as yt-dlp gives it
    pa.field("downloaded_at", pa.string()),  # ISO 8601 UTC
    pa.field("downloader", pa.string()),  # "yt-dlp <version>" or "local"
    pa.field("format_id", pa.string()),
    pa.field("source_sha256", pa.string()),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("shot_index", pa.int32()),
    pa.field("shot_start_frame", pa.int32()),
    pa.field("shot_end_frame", pa.int32()),
    pa.field("detector_json", pa.string()),  # shot detector + pose estimator + their parameters
    pa.field("clip_cut", pa.string()),  # "stream_copy" or "reencode"
    pa.field("dhash", pa.string()),  # 64-bit perceptual hash (hex) of the clip's middle frame
    *(pa.field(f"score_{name}", pa.float64()) for name in FILTER_NAMES),
)

# Internet clips have no 3D motion; pose_video and face_video come from the later media stage
# (curation/clip_media.py), so an ok row needs only these paths.
REQUIRED_PATHS = ("video", "audio", "keypoints")
INTERNET_SCHEMA = manifest_schema(INTERNET_FIELDS, REQUIRED_PATHS)
