"""The error convention itself: one `error:` line, exit 2 for usage and 1 for input, --debug shows the traceback."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from models.command_line import (
    ArgumentParser, InputError, UsageError, command, describe, finite_float, positive_int, require_device, require_dir,
    require_file, require_writable,
)
from tests.bad_inputs.make import readonly_target
from tests.golden import REPO


@command
def _main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="demo")
    parser.add_argument("--n", type=positive_int, default=1)
    parser.add_argument("--raise", dest="kind", default=None)
    args = parser.parse_args(argv)
    errors = {"input": InputError("clip.mp4", "truncated"), "usage": UsageError("--a and --b go together"),
              "os": IsADirectoryError(21, "Is a directory", "out.json"), "key": KeyError("motion_in.weight")}
    if args.kind:
        raise errors[args.kind]
    return 0


@pytest.mark.parametrize(("kind", "code", "line"), [
    ("input", 1, "error: clip.mp4: truncated"),
    ("usage", 2, "error: --a and --b go together"),
    ("os", 1, "error: out.json: is a directory"),
    ("key", 1, "error: KeyError: 'motion_in.weight' (unexpected: rerun with --debug and report the traceback)"),
])
def test_an_error_is_one_line_and_its_code(kind: str, code: int, line: str, capsys: pytest.CaptureFixture) -> None:
    assert _main(["--raise", kind]) == code
    assert capsys.readouterr().err.strip() == line


def test_debug_adds_the_traceback_and_keeps_the_code(capsys: pytest.CaptureFixture) -> None:
    assert _main(["--raise", "input", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().endswith("error: clip.mp4: truncated")


def test_argparse_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        _main(["--n", "0"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == "error: demo: argument --n: expected an integer > 0, got '0' (see --help)"


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "x"])
def test_finite_float_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        finite_float(text)


def test_file_and_folder_checks_name_the_path_and_flag(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match=r"/nope: no such file \(--pred\)"):
        require_file(tmp_path / "nope", "--pred")
    with pytest.raises(InputError, match="is a folder, --gt takes a file"):
        require_file(tmp_path, "--gt")
    with pytest.raises(InputError, match="is a file, --videos takes a folder"):
        require_dir(tmp_path / "f", "--videos")


def test_writable_checks_kind_and_permission(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert require_writable(tmp_path / "new" / "deeper" / "r.json", "--out") == tmp_path / "new" / "deeper" / "r.json"
    assert not (tmp_path / "new").exists()  # checking creates nothing
    with pytest.raises(UsageError, match="is a folder, --out takes a file path"):
        require_writable(tmp_path, "--out")
    with pytest.raises(UsageError, match="is a file, --out takes a folder"):
        require_writable(tmp_path / "f", "--out", folder=True)
    with pytest.raises(UsageError, match="f is a file, not a folder"):
        require_writable(tmp_path / "f" / "r.json", "--out")
    with pytest.raises(UsageError, match="cannot write in"):
        require_writable(readonly_target(), "--out")


def test_device_check_on_this_machine() -> None:
    import torch

    assert require_device("cpu") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(UsageError, match="--device cuda: this machine has no CUDA device"):
            require_device("cuda")
    with pytest.raises(UsageError, match="not a device this machine has"):
        require_device("tpu")


def test_describe_joins_lines() -> None:
    assert describe(ValueError("results.json: rejected:\n - a\n - b")) == "results.json: rejected: - a - b"


def test_python_m_path_has_no_traceback() -> None:
    """The real process: a missing --videos folder is one line and exit 1 (what `python -m` users see)."""
    done = subprocess.run([sys.executable, "-m", "benchmark.appearance_scoring", "--videos", "/nonexistent/videos",
                           "--out", "/tmp/never_written.json"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: /nonexistent/videos")
    assert done.returncode == 1


def test_limits_come_from_the_environment_and_refuse_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    from models.video.frames import FrameLimits

    monkeypatch.setenv("MACE_MAX_FRAME_ASPECT", "12")
    monkeypatch.setenv("MACE_MAX_POSE_TILES", "30")
    assert FrameLimits.from_env().problem(1200, 100) is None  # a 12:1 panorama, allowed by the user
    monkeypatch.delenv("MACE_MAX_FRAME_ASPECT")
    assert "aspect ratio 12 > max_aspect 4" in FrameLimits.from_env().problem(1200, 100)
    monkeypatch.setenv("MACE_MAX_FRAME_PIXELS", "nan")
    with pytest.raises(InputError, match=r"^\$MACE_MAX_FRAME_PIXELS: expected a number > 0, got 'nan'$"):
        FrameLimits.from_env()
