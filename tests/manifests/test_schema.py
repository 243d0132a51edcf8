"""The clip manifest schema: validation rules, Parquet round trip, and reading in pandas, DuckDB, HF datasets."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from manifests.schema import (
    CLIP_SCHEMA,
    PATH_COLUMNS,
    manifest_schema,
    read_manifest,
    table_from_rows,
)


def ok_row(row_id: str = "sample_s001_000") -> dict:
    return {
        "id": row_id, "source": "bundled_sample", "source_id": "s001", "status": "ok", "reason": None,
        "source_file": "motion/s001.npy", "music_file": "music/s001.ogg", "start_frame": 0, "end_frame": 120,
        "start_s": 0.0, "end_s": 4.0, "source_fps": 30.0, "window_rule": "short_source", "fps": 30.0,
        "num_frames": 120, "duration_s": 4.0, "width": 512, "height": 512, "genre": "jazz", "split": "train",
        "camera": {"azimuth_deg": 12.5, "elevation_deg": 8.0, "distance_m": 4.2, "focal_mm": 35.0, "fx": 585.3,
                   "fy": 585.3, "cx": 256.0, "cy": 256.0, "width": 512, "height": 512, "target": [0.1, -0.3, 0.2],
                   "world_to_camera": np.eye(4).reshape(-1).tolist()},
        **{name: f"clips/{row_id}/{name}.bin" for name in PATH_COLUMNS}, "face_coverage": 0.9,
        "provenance": {"motion_sha256": "ab" * 32, "music_sha256": "cd" * 32, "body": "mannequin-x 0.3.0 convex lod0",
                       "renderer": "pyrender 0.1.45 osmesa vertex-lit", "encoder": "ffmpeg",
                       "code_version": "mace-bench 0.1.0", "params_json": "{}"},
    }  # fmt: skip


def failed_row(row_id: str = "finedance_002") -> dict:
    return {"id": row_id, "source": "finedance", "source_id": "002", "status": "failed",
            "reason": "motion/002.npy: 3 non-finite values (NaN/inf)", "source_file": "motion/002.npy"}  # fmt: skip


@pytest.fixture
def manifest_path(tmp_path):
    table = table_from_rows([failed_row(), ok_row(), ok_row("sample_s002_000")])
    path = tmp_path / "manifest.parquet"
    pq.write_table(table, path)
    return path


def test_round_trip_keeps_every_value(manifest_path):
    rows = read_manifest(manifest_path).to_pylist()
    assert [r["id"] for r in rows] == ["finedance_002", "sample_s001_000", "sample_s002_000"]
    assert rows[1] == ok_row()
    assert rows[0]["camera"] is None and rows[0]["reason"].startswith("motion/002.npy")
    assert read_manifest(manifest_path).schema.metadata[b"mace_manifest_schema"] == b"1"


def test_a_manifest_written_before_the_face_video_columns_still_reads(manifest_path, tmp_path):
    old = pq.read_table(manifest_path).drop_columns(["face_video", "face_coverage"])
    pq.write_table(old, tmp_path / "old.parquet")
    rows = read_manifest(tmp_path / "old.parquet").to_pylist()
    assert rows[1]["face_video"] is None and rows[1]["face_coverage"] is None and rows[1]["pose_video"]


def test_opens_in_pandas_duckdb_and_hf_datasets(manifest_path):
    frame = pq.read_table(manifest_path).to_pandas()
    assert frame.loc[frame.id == "sample_s001_000", "camera"].iloc[0]["fx"] == pytest.approx(585.3)

    con = duckdb.connect()
    counts = con.execute(f"SELECT status, count(*) FROM '{manifest_path}' GROUP BY status ORDER BY status").fetchall()
    assert counts == [("failed", 1), ("ok", 2)]
    focal = con.execute(f"SELECT camera.focal_mm FROM '{manifest_path}' WHERE id = 'sample_s002_000'").fetchone()
    assert focal == (35.0,)

    dataset = Dataset.from_parquet(str(manifest_path))
    assert dataset.num_rows == 3
    assert dataset[1]["camera"]["world_to_camera"] == np.eye(4).reshape(-1).tolist()
    assert dataset[0]["status"] == "failed"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": "done"}, "status 'done'"),
        ({"status": "failed", "reason": None}, "needs a reason"),
        ({"video": None}, "needs paths ['video']"),
        ({"surprise": 1}, "unknown columns ['surprise']"),
        ({"source_id": None}, "'source_id' is required"),
        ({"num_frames": "many"}, "do not fit the schema"),
    ],
)
def test_invalid_rows_are_refused(change, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        table_from_rows([{**ok_row(), **change}])


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="duplicate id 'sample_s001_000'"):
        table_from_rows([ok_row(), ok_row()])


def test_extra_columns_for_other_sources():
    schema = manifest_schema([pa.field("pose_score", pa.float64())])
    table = table_from_rows([{**ok_row(), "pose_score": 0.9}], schema)
    assert table.column("pose_score").to_pylist() == [0.9]
    with pytest.raises(ValueError, match="clash"):
        manifest_schema([pa.field("id", pa.string())])


def test_read_manifest_names_the_file_and_column(tmp_path):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"id": ["x"]}), path)
    with pytest.raises(ValueError, match=r"bad.parquet: manifest column 'source' is missing"):
        read_manifest(path)
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="junk.parquet: not a readable Parquet manifest"):
        read_manifest(tmp_path / "junk.parquet")
    assert CLIP_SCHEMA.field("camera").type.num_fields == 12
