"""The MA-Data clip manifest: a pyarrow schema, row validation and reading (one Parquet row per clip).

Plain Arrow types only (strings, numbers, structs, lists), so the file opens unchanged in pandas,
DuckDB and Hugging Face `datasets`. Paths are relative to the manifest's folder. A source may add
its own columns (e.g. filter scores) with `manifest_schema(extra_fields)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = "1"
STATUSES = ("ok", "rejected", "failed")
PATH_COLUMNS = ("video", "audio", "motion", "keypoints", "pose_video", "face_video")
# Path columns an ok row must fill unless its source says otherwise (face_video came later: optional).
DEFAULT_REQUIRED_PATHS = ("video", "audio", "motion", "keypoints", "pose_video")
# Columns added after schema version 1 was first written: older manifests read with them null.
LATER_FIELDS = ("face_video", "face_coverage")

CAMERA_TYPE = pa.struct(
    [
        pa.field("azimuth_deg", pa.float64()),  # around the dancer, 0 = in front of the clip's mean facing
        pa.field("elevation_deg", pa.float64()),
        pa.field("distance_m", pa.float64()),
        pa.field("focal_mm", pa.float64()),  # 35 mm-equivalent (36 x 24 mm frame diagonal)
        pa.field("fx", pa.float64()),
        pa.field("fy", pa.float64()),
        pa.field("cx", pa.float64()),
        pa.field("cy", pa.float64()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("target", pa.list_(pa.float64())),  # world point the camera looks at (3)
        pa.field("world_to_camera", pa.list_(pa.float64())),  # 4x4 row-major, OpenCV axes (x right, y down, z forward)
    ]
)

PROVENANCE_TYPE = pa.struct(
    [
        pa.field("motion_sha256", pa.string()),
        pa.field("music_sha256", pa.string()),
        pa.field("body", pa.string()),
        pa.field("renderer", pa.string()),
        pa.field("encoder", pa.string()),
        pa.field("code_version", pa.string()),
        pa.field("params_json", pa.string()),  # every setting that shaped the clip, as JSON
    ]
)

CLIP_FIELDS: tuple[pa.Field, ...] = (
    pa.field("id", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("reason", pa.string()),
    pa.field("source_file", pa.string()),
    pa.field("music_file", pa.string()),
    pa.field("start_frame", pa.int32()),  # in source frames, end exclusive
    pa.field("end_frame", pa.int32()),
    pa.field("start_s", pa.float64()),
    pa.field("end_s", pa.float64()),
    pa.field("source_fps", pa.float64()),
    pa.field("window_rule", pa.string()),
    pa.field("fps", pa.float64()),
    pa.field("num_frames", pa.int32()),
    pa.field("duration_s", pa.float64()),
    pa.field("width", pa.int32()),
    pa.field("height", pa.int32()),
    pa.field("genre", pa.string()),
    pa.field("split", pa.string()),
    pa.field("camera", CAMERA_TYPE),
    *(pa.field(name, pa.string()) for name in PATH_COLUMNS),  # pose_video: Wan-Animate drawing, clip fps + length
    pa.field("face_coverage", pa.float64()),  # share of face_video frames cropped around a seen head; 0: no face found
    pa.field("provenance", PROVENANCE_TYPE),
)


def manifest_schema(
    extra_fields: Sequence[pa.Field] = (), required_paths: Sequence[str] = DEFAULT_REQUIRED_PATHS
) -> pa.Schema:
    """The clip schema plus a source's own columns; the metadata holds the schema version and which
    path columns an ok row must fill (internet clips have no 3D motion, for instance)."""
    names = [f.name for f in CLIP_FIELDS]
    clashes = sorted({f.name for f in extra_fields} & set(names))
    if clashes:
        raise ValueError(f"extra manifest columns clash with the clip schema: {clashes}")
    unknown = sorted(set(required_paths) - set(PATH_COLUMNS))
    if unknown:
        raise ValueError(f"required paths {unknown} are not path columns {PATH_COLUMNS}")
    metadata = {"mace_manifest_schema": SCHEMA_VERSION, "mace_required_paths": ",".join(required_paths)}
    return pa.schema([*CLIP_FIELDS, *extra_fields], metadata=metadata)


CLIP_SCHEMA = manifest_schema()


def _check_row(row: dict, schema: pa.Schema) -> None:
    row_id = row.get("id")
    unknown = sorted(set(row) - set(schema.names))
    if unknown:
        raise ValueError(f"manifest row {row_id!r}: unknown columns {unknown}")
    for field in schema:
        if not field.nullable and row.get(field.name) in (None, ""):
            raise ValueError(f"manifest row {row_id!r}: {field.name!r} is required")
    status = row["status"]
    if status not in STATUSES:
        raise ValueError(f"manifest row {row_id!r}: status {status!r} is not one of {STATUSES}")
    if status != "ok" and not row.get("reason"):
        raise ValueError(f"manifest row {row_id!r}: a {status} row needs a reason")
    if status == "ok":
        required = (schema.metadata or {}).get(b"mace_required_paths")
        names = required.decode().split(",") if required else DEFAULT_REQUIRED_PATHS
        missing = [name for name in names if name in schema.names and not row.get(name)]
        if missing:
            raise ValueError(f"manifest row {row_id!r}: an ok row needs paths {missing}")


def table_from_rows(rows: Iterable[dict], schema: pa.Schema = CLIP_SCHEMA) -> pa.Table:
    """Validated Arrow table of manifest rows (unique ids, known columns, status rules), sorted by id."""
    rows = sorted(rows, key=lambda r: str(r.get("id")))
    seen: set[str] = set()
    for row in rows:
        _check_row(row, schema)
        if row["id"] in seen:
            raise ValueError(f"manifest rows: duplicate id {row['id']!r}")
        seen.add(row["id"])
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError(f"manifest rows do not fit the schema: {error}") from error


def read_manifest(path: str | Path) -> pa.Table:
    """Read a manifest Parquet file, checking that every clip column is present with its type."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise ValueError(f"{path}: not a readable Parquet manifest ({error})") from error
    for field in CLIP_FIELDS:
        if field.name not in table.schema.names and field.name in LATER_FIELDS:
            table = table.append_column(field, pa.nulls(len(table), field.type))
        elif field.name not in table.schema.names:
            raise ValueError(f"{path}: manifest column {field.name!r} is missing")
        found = table.schema.field(field.name).type
        if found != field.type:
            raise ValueError(f"{path}: manifest column {field.name!r} is {found}, expected {field.type}")
    return table
