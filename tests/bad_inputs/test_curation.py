"""Bad inputs of the curation commands (curation.build finedance/internet, curation.validate, curation.bundled_sample).

Each `Case` must end in one `error:` line naming the file or flag, early and with earlier outputs untouched.
The batch tests below hold the other half of the convention: a bad item of a build (a URL row, a video, a
motion file) becomes a recorded row and the build goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from curation.build import main as build_main
from manifests.sample import SAMPLE_ROOT
from manifests.schema import read_manifest
from tests.bad_inputs import make
from tests.bad_inputs.corpus import Case, Setup, check_case, parametrize

BUILD = "curation.build"
FINEDANCE = ["--source", "finedance", "--log-level", "ERROR"]
INTERNET = ["--source", "internet", "--log-level", "ERROR"]
READONLY_DIR = str(Path(make.readonly_target()).parent)
FAST_CONFIG = {"download": {"transient_passes": 0, "sleep_interval": 0.0, "max_sleep_interval": 0.0, "retries": 0}}


def _earlier_build(out: Path) -> Path:
    """The files of a finished earlier build in `out`, which a refused run must leave as they are."""
    make.earlier_output(out / "manifest.parquet")
    make.earlier_output(out / "summary.md", "| ok | - | 3 |\n")
    make.earlier_output(out / "rows" / "clip_000.json")
    return out


def _yaml(path: Path, text: str) -> Path:
    """A config file with `text` as its content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _internet_with_config(text: str) -> Setup:
    """argv of an internet build over a one-URL list with a --config holding `text`, an earlier build in --out."""
    def setup(d: Path) -> list[str]:
        (d / "urls.txt").write_text("https://example.invalid/dance.mp4\n")
        _earlier_build(d / "out")
        return [*INTERNET, "--urls", str(d / "urls.txt"), "--config", str(_yaml(d / "bad.yaml", text)),
                "--out", str(d / "out")]  # fmt: skip
    return setup


def _internet_with_list(name: str, write: Callable[[Path], object]) -> Setup:
    """argv of an internet build over the URL list `name` that `write(path)` makes, an earlier build in --out."""
    def setup(d: Path) -> list[str]:
        write(d / name)
        _earlier_build(d / "out")
        return [*INTERNET, "--urls", str(d / name), "--out", str(d / "out")]
    return setup


def _finedance(*flags: str) -> Setup:
    """argv of a bundled-sample FineDance build with `flags`, an earlier build in --out."""
    return lambda d: [*FINEDANCE, "--out", str(_earlier_build(d / "out")), *flags]


CASES = [
    # curation.build --source finedance: folders, output and numbers
    Case("root-missing", BUILD, lambda d: [*FINEDANCE, "--root", str(d / "nope"), "--out", str(d / "out")],
         1, r"nope: no such folder \(--root\)", timeout_s=20),
    Case("root-is-a-file", BUILD,
         lambda d: [*FINEDANCE, "--root", str(make.copy_of(SAMPLE_ROOT / "motion" / "s001.npy", d / "s001.npy")),
                    "--out", str(d / "out")], 1, r"s001\.npy: is a file, --root takes a folder", timeout_s=20),
    Case("out-is-a-file", BUILD, lambda d: [*FINEDANCE, "--out", str(make.earlier_output(d / "res.json"))],
         2, r"res\.json: is a file, --out takes a folder", timeout_s=20),
    Case("out-read-only", BUILD, lambda d: [*FINEDANCE, "--out", READONLY_DIR],
         2, r"mace_bench_out: cannot write in /(sys|proc) .*\(--out\)", timeout_s=20),
    Case("fps-zero", BUILD, _finedance("--fps", "0"), 2, r"--fps: .*expected a finite number > 0, got '0'", timeout_s=20),
    Case("fps-nan", BUILD, _finedance("--fps", "nan"), 2, r"--fps: .*got 'nan'", timeout_s=20),
    Case("resolution-negative", BUILD, _finedance("--resolution", "64x-64"),
         2, r"--resolution: .*WIDTHxHEIGHT.*> 0.*'64x-64'", timeout_s=20),
    Case("distance-negative", BUILD, _finedance("--distance=-2,3"),
         2, r"--distance: .*numbers > 0.*'-2,3'", timeout_s=20),
    Case("clip-seconds-reversed", BUILD, _finedance("--clip-seconds", "8,3"),
         2, r"--clip-seconds: .*LOW <= HIGH.*'8,3'", timeout_s=20),
    Case("workers-zero", BUILD, _finedance("--workers", "0"), 2, r"--workers: .*expected an integer > 0, got '0'",
         timeout_s=20),
    Case("limit-negative", BUILD, _finedance("--limit", "-1"), 2, r"--limit: .*expected an integer > 0, got '-1'",
         timeout_s=20),
    Case("smpl-model-missing", BUILD, _finedance("--smpl-model", "SMPL_NEUTRAL.pkl"),
         1, r"SMPL_NEUTRAL\.pkl: no such file \(--smpl-model\)", timeout_s=20),
    Case("internet-flag-on-finedance", BUILD,
         lambda d: [*FINEDANCE, "--urls", str(make.earlier_output(d / "urls.txt", "https://a.invalid/v\n")),
                    "--out", str(d / "out")], 2, r"--urls: .*only for --source internet", timeout_s=20),
    Case("out-built-with-other-settings", BUILD,
         lambda d: (make.earlier_output(d / "out" / "config.json", json.dumps({"source": "finedance", "root": "/x"})),
                    [*FINEDANCE, "--out", str(d / "out")])[1],
         2, r"out: built with different settings \(root, settings, split_scheme\); use another --out", timeout_s=30),
    Case("out-config-json-corrupt", BUILD,
         lambda d: (make.random_bytes(d / "out" / "config.json", 64), [*FINEDANCE, "--out", str(d / "out")])[1],
         1, r"config\.json: not a readable build config", timeout_s=30),
    # curation.build --source internet: inputs and outputs
    Case("internet-no-input", BUILD, lambda d: [*INTERNET, "--out", str(d / "out")],
         2, r"--source internet needs --urls FILE and/or --videos DIR", timeout_s=20),
    Case("finedance-flag-on-internet", BUILD,
         lambda d: [*INTERNET, "--videos", str(d), "--root", str(d), "--out", str(d / "out")],
         2, r"--root: .*only for --source finedance", timeout_s=20),
    Case("urls-missing", BUILD, lambda d: [*INTERNET, "--urls", str(d / "urls.txt"), "--out", str(d / "out")],
         1, r"urls\.txt: no such file \(--urls\)", timeout_s=20),
    Case("urls-is-a-folder", BUILD, lambda d: [*INTERNET, "--urls", str(d), "--out", str(d / "out")],
         1, r"case: is a folder, --urls takes a file", timeout_s=20),
    Case("videos-missing", BUILD, lambda d: [*INTERNET, "--videos", str(d / "clips"), "--out", str(d / "out")],
         1, r"clips: no such folder \(--videos\)", timeout_s=20),
    Case("videos-is-a-file", BUILD,
         lambda d: [*INTERNET, "--videos", str(make.copy_of(make.STANDIN_VIDEO, d / "dance.mp4")), "--out", str(d / "out")],
         1, r"dance\.mp4: is a file, --videos takes a folder", timeout_s=20),
    Case("internet-out-is-a-file", BUILD,
         lambda d: [*INTERNET, "--videos", str(d), "--out", str(make.earlier_output(d / "built"))],
         2, r"built: is a file, --out takes a folder", timeout_s=20),
    Case("internet-out-read-only", BUILD, lambda d: [*INTERNET, "--videos", str(d), "--out", READONLY_DIR],
         2, r"mace_bench_out: cannot write in /(sys|proc)", timeout_s=20),
    Case("config-missing", BUILD, lambda d: [*INTERNET, "--videos", str(d), "--config", str(d / "my.yaml"),
                                             "--out", str(d / "out")], 1, r"my\.yaml: no such file \(--config\)",
         timeout_s=20),
    Case("config-yaml-syntax", BUILD, _internet_with_config("windows: {min_s: 5\nfilters: [\n"),
         1, r"bad\.yaml: not readable YAML .*line \d+", timeout_s=20),
    Case("config-string-for-number", BUILD, _internet_with_config("windows:\n  min_s: five\n"),
         1, r"bad\.yaml: windows\.min_s: expected a number, got 'five'", timeout_s=20),
    Case("config-list-for-mapping", BUILD, _internet_with_config("download:\n  - retries\n  - 3\n"),
         1, r"bad\.yaml: download: expected a mapping of keys to values, got a list", timeout_s=20),
    Case("config-negative-passes", BUILD, _internet_with_config("download:\n  transient_passes: -1\n"),
         1, r"bad\.yaml: download\.transient_passes: expected a whole number >= 0, got -1", timeout_s=20),
    Case("config-not-a-mapping", BUILD, _internet_with_config("- windows\n- filters\n"),
         1, r"bad\.yaml: expected a mapping of sections \(download, .*\), got a list", timeout_s=20),
    Case("config-windows-reversed", BUILD, _internet_with_config("windows:\n  min_s: 8\n  max_s: 3\n"),
         1, r"bad\.yaml: windows\.min_s 8 is more than windows\.max_s 3", timeout_s=20),
    Case("config-unknown-detector", BUILD, _internet_with_config("shots:\n  detector: magic\n"),
         1, r"bad\.yaml: shots\.detector: expected one of adaptive, content, transnetv2, got 'magic'", timeout_s=20),
    # URL lists
    Case("urls-latin1-text", BUILD,
         _internet_with_list("urls.txt", lambda p: p.write_bytes("https://example.invalid/café.mp4\n".encode("latin-1"))),
         1, r"urls\.txt: not UTF-8 text \(byte 0xe9 on line 1\)", timeout_s=20),
    Case("urls-latin1-csv", BUILD,
         _internet_with_list("urls.csv", lambda p: p.write_bytes("url\nhttps://a.invalid/x.mp4\nhttps://a.invalid/é\n"
                                                                 .encode("latin-1"))),
         1, r"urls\.csv: not UTF-8 text \(byte 0xe9 on line 3\)", timeout_s=20),
    Case("urls-csv-unbalanced-quote", BUILD,
         _internet_with_list("urls.csv", lambda p: p.write_text('url,genre\n"https://a.invalid/v.mp4,jazz\n'
                                                                'https://a.invalid/w.mp4,pop\n')),
         1, r"urls\.csv: the row starting on line 2 is not valid CSV \(unexpected end of data", timeout_s=20),
    Case("urls-csv-no-url-column", BUILD,
         _internet_with_list("urls.csv", lambda p: p.write_text("link,genre\nhttps://a.invalid/v.mp4,jazz\n")),
         1, r"urls\.csv: needs a 'url' column, found \['genre', 'link'\]", timeout_s=20),
    Case("urls-parquet-numeric", BUILD,
         _internet_with_list("urls.parquet", lambda p: pq.write_table(pa.table({"url": [1, 2]}), p)),
         1, r"urls\.parquet: column 'url' is int64, expected text \(one URL a row\)", timeout_s=20),
    Case("urls-parquet-list", BUILD,
         _internet_with_list("urls.parquet", lambda p: pq.write_table(pa.table({"url": [["https://a.invalid/v"]]}), p)),
         1, r"urls\.parquet: column 'url' is list<.*>, expected text", timeout_s=20),
    Case("urls-parquet-corrupt", BUILD, _internet_with_list("urls.parquet", lambda p: make.random_bytes(p)),
         1, r"urls\.parquet: not a readable Parquet file", timeout_s=20),
    Case("urls-empty", BUILD, _internet_with_list("urls.txt", lambda p: p.write_text("# nothing yet\n\n")),
         1, r"urls\.txt: lists no URLs", timeout_s=20),
    Case("urls-duplicate", BUILD,
         _internet_with_list("urls.txt", lambda p: p.write_text("https://a.invalid/v\nhttps://b.invalid/w\nhttps://a.invalid/v\n")),
         1, r"urls\.txt: lists https://a\.invalid/v twice \(line 1 and line 3\)", timeout_s=20),
    # curation.validate
    Case("validate-out-is-a-file", "curation.validate", lambda d: ["--out", str(make.earlier_output(d / "res.json"))],
         2, r"res\.json: is a file, --out takes a folder", timeout_s=20),
    Case("validate-out-read-only", "curation.validate", lambda d: ["--out", READONLY_DIR],
         2, r"mace_bench_out: cannot write in /(sys|proc)", timeout_s=20),
    Case("validate-unknown-case", "curation.validate",
         lambda d: ["--out", str(d / "out"), "--cases", "portrait_one,tango"],
         2, r"--cases: unknown validation case\(s\) tango; expected some of .*portrait_one", timeout_s=20),
    Case("validate-config-mistyped", "curation.validate",
         lambda d: ["--out", str(d / "out"), "--config", str(_yaml(d / "bad.yaml", "pose:\n  sample_fps: [2]\n"))],
         1, r"bad\.yaml: pose\.sample_fps: expected a number, got \[2\]", timeout_s=20),
    # curation.bundled_sample
    Case("sample-assets-missing", "curation.bundled_sample",
         lambda d: ["--assets", str(d / "assets"), "--out", str(d / "sample")],
         1, r"assets: no such folder \(--assets\)", timeout_s=20),
    Case("sample-assets-without-mocap", "curation.bundled_sample",
         lambda d: ["--assets", str(d), "--out", str(d / "sample")],
         1, r"motion/Cyril\.tsv: no such file \(--assets\)", timeout_s=20),
    Case("sample-out-is-a-file", "curation.bundled_sample",
         lambda d: (make.earlier_output(d / "motion" / "Cyril.tsv", "Frame\tTime\n"), (d / "music").mkdir(),
                    ["--assets", str(d), "--out", str(make.earlier_output(d / "sample"))])[-1],
         2, r"sample: is a file, --out takes a folder", timeout_s=20),
]


@parametrize(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def _rows(out: Path) -> dict[str, dict]:
    return {row["id"]: row for row in read_manifest(out / "manifest.parquet").to_pylist()}


def test_bad_urls_and_broken_videos_become_rows_and_the_build_goes_on(tmp_path: Path) -> None:
    """Empty URL cells, a non-URL, a refused file:// URL, a corrupt and a zero-byte video: one row each, in seconds."""
    urls = tmp_path / "urls.csv"
    urls.write_text("url,genre\n,jazz\nnot a url at all,pop\nfile:///etc/hostname,pop\n   ,pop\n")
    videos = tmp_path / "videos"
    make.random_bytes(videos / "corrupt.mp4", 20000)
    make.empty_file(videos / "empty.mp4")
    config = _yaml(tmp_path / "config.yaml", yaml.safe_dump(FAST_CONFIG))
    start = time.monotonic()
    code = build_main([*INTERNET, "--urls", str(urls), "--videos", str(videos), "--config", str(config),
                       "--out", str(tmp_path / "out"), "--workers", "1", "--preview", "0"])  # fmt: skip
    assert time.monotonic() - start < 30
    rows = list(_rows(tmp_path / "out").values())
    assert code == 1 and len(rows) == 6
    by_file = {Path(r["source_file"]).name: r for r in rows if r["source_file"]}
    for name in ("corrupt.mp4", "empty.mp4"):
        assert by_file[name]["reason"].startswith("unreadable_video: "), by_file[name]
        assert name in by_file[name]["reason"]
    bad_cells = sorted(r["reason"] for r in rows if r["status"] == "failed")
    assert bad_cells == [f"bad_url: line 2 of {urls} has no URL", f"bad_url: line 5 of {urls} has no URL"]
    by_url = {r["url"]: r for r in rows if r["url"] and not r["source_file"]}
    assert by_url["not a url at all"]["reason"].startswith("unavailable: ")
    assert by_url["file:///etc/hostname"]["reason"].startswith("unavailable: ")


def test_finedance_motion_claiming_a_billion_rows_is_a_failed_row_refused_from_its_header(tmp_path: Path) -> None:
    """A motion .npy whose header claims 10^9 frames fails its row in moments; the next source is still planned."""
    root = tmp_path / "finedance"
    make.npy_claiming(root / "motion" / "001.npy", (10**9, 315))
    make.copy_of(SAMPLE_ROOT / "motion" / "s001.npy", root / "motion" / "002.npy")
    make.copy_of(SAMPLE_ROOT / "music" / "s001.ogg", root / "music" / "001.ogg")  # 002 has no music: fails fast too
    for stem in ("001", "002"):
        make.earlier_output(root / "label_json" / f"{stem}.json", json.dumps({"style2": "Jazz"}))
    start = time.monotonic()
    code = build_main([*FINEDANCE, "--root", str(root), "--out", str(tmp_path / "out"), "--workers", "1",
                       "--resolution", "64x64", "--preview", "0"])  # fmt: skip
    assert time.monotonic() - start < 20
    rows = _rows(tmp_path / "out")
    assert code == 1 and sorted(rows) == ["finedance_001", "finedance_002"]
    assert all(row["status"] == "failed" for row in rows.values())
    assert "001.npy: header declares a 1000000000x315 float64 array" in rows["finedance_001"]["reason"]
    assert "missing music" in rows["finedance_002"]["reason"]
