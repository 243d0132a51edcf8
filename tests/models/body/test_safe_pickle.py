"""AIST++ pickles are read without running code: a hostile `__reduce__` is refused by name, arrays still load."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.body.formats_aist import read_aist_pkl, write_aist_pkl
from models.body.motion import Motion
from models.body.skeleton import SMPL24

REPO = Path(__file__).resolve().parents[3]


class _Payload:
    """Unpickling this object would run `call(arg)`."""

    def __init__(self, call, arg: str) -> None:
        self.call, self.arg = call, arg

    def __reduce__(self):
        return self.call, (self.arg,)


def _hostile(path: Path, marker: Path, call=os.system) -> Path:
    arg = f"touch {marker}" if call is os.system else f"open({str(marker)!r}, 'w')"
    data = {"smpl_poses": np.zeros((4, 72)), "smpl_trans": _Payload(call, arg), "smpl_scaling": np.ones(1)}
    path.write_bytes(pickle.dumps(data, protocol=4))
    return path


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_arrays_and_scalars_load_at_every_protocol(tmp_path: Path, protocol: int) -> None:
    data = {"smpl_poses": np.full((3, 72), 0.1), "smpl_trans": np.ones((3, 3), np.float32),
            "smpl_scaling": np.array([2.0]), "extra": [np.float64(1.5), np.int64(3), (1, "a")]}
    path = tmp_path / "seq.pkl"
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    motion = read_aist_pkl(path)
    assert motion.num_frames == 3 and np.allclose(motion.root_translation, 0.5)


def test_numpy1_module_names_load(tmp_path: Path) -> None:
    blob = pickle.dumps({"smpl_poses": np.zeros((2, 72)), "smpl_trans": np.zeros((2, 3)),
                         "smpl_scaling": np.ones(1), "s": np.float64(2.0)}, protocol=2)
    path = tmp_path / "old.pkl"
    path.write_bytes(blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    assert b"numpy.core.multiarray" in path.read_bytes() and read_aist_pkl(path).num_frames == 2


@pytest.mark.parametrize(("call", "name"), [(os.system, f"{os.system.__module__}.system"), (builtins.exec, "builtins.exec")])
def test_hostile_pickle_is_refused_by_name(tmp_path: Path, call, name: str) -> None:
    marker = tmp_path / "MARKER"
    path = _hostile(tmp_path / "evil.pkl", marker, call)
    with pytest.raises(ValueError) as error:
        read_aist_pkl(path)
    message = str(error.value)
    assert "\n" not in message and str(path) in message and f"refused pickle global {name}" in message
    assert not marker.exists()


def test_evaluate_refuses_hostile_prediction_folder(tmp_path: Path) -> None:
    motion = Motion(rotations=np.zeros((120, 24, 3)), root_translation=np.zeros((120, 3)), skeleton=SMPL24, fps=60.0)
    gt, pred, marker = tmp_path / "gt", tmp_path / "pred", tmp_path / "MARKER"
    for folder in (gt, pred):
        folder.mkdir()
    for seq in ("a", "b"):
        write_aist_pkl(gt / f"{seq}.pkl", motion)
        _hostile(pred / f"{seq}.pkl", marker)
    result = subprocess.run(
        [sys.executable, "-m", "benchmark.evaluate", "--protocol", "aist3d@v1", "--gt", str(gt), "--pred", str(pred),
         "--out", str(tmp_path / "results.json")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr
    assert str(pred) in lines[0] and "refused pickle global" in lines[0] and "system" in lines[0]
    assert not marker.exists() and not (tmp_path / "results.json").exists()
