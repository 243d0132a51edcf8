"""AIST++ SMPL motion pickles: smpl_poses (T,72) axis-angle, smpl_trans (T,3) in units of smpl_scaling,
smpl_scaling (1,); 60 fps, y-up. Metres = smpl_trans / smpl_scaling (as EDGE loads them).
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np

from models import safe_pickle
from models.body.formats_io import check_finite, require_file
from models.body.motion import Motion
from models.body.skeleton import SMPL24
from models.files import atomic_write

logger = logging.getLogger(__name__)

AIST_FPS = 60.0
_KEYS = ("smpl_poses", "smpl_trans", "smpl_scaling")


def load_pickle_dict(path: Path, keys: tuple[str, ...] = _KEYS, what: str = "AIST++ pickles") -> dict:
    """A pickled dict of arrays read by the safe unpickler (nothing in the file can run), with its `keys` checked."""
    try:
        with path.open("rb") as handle:
            data = safe_pickle.load(handle)  # arrays and containers only: nothing in the file can run
    except safe_pickle.RefusedGlobal as error:
        raise ValueError(f"{path}: {error} ({what} hold only arrays)") from None
    except Exception as error:  # unpickling can raise almost anything on a corrupt file
        raise ValueError(f"{path}: not a readable pickle ({type(error).__name__}: {error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a dict of SMPL arrays, got {type(data).__name__}")
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError(f"{path}: missing keys {missing} ({what} need {list(keys)})")
    return data


def read_aist_pkl(path: str | Path, fps: float = AIST_FPS) -> Motion:
    """Read an AIST++ motion pickle as an SMPL24 Motion (translation divided by smpl_scaling)."""
    path = require_file(path)
    data = load_pickle_dict(path)
    poses = np.asarray(data["smpl_poses"], dtype=np.float64)
    trans = np.asarray(data["smpl_trans"], dtype=np.float64)
    scaling = np.asarray(data["smpl_scaling"], dtype=np.float64).reshape(-1)
    if poses.ndim != 2 or poses.shape[1] != 72:
        raise ValueError(f"{path}: smpl_poses must be (T,72), got {poses.shape}")
    if trans.shape != (len(poses), 3):
        raise ValueError(f"{path}: smpl_trans must be ({len(poses)},3) to match smpl_poses, got {trans.shape}")
    if scaling.shape != (1,) or not scaling[0] > 0:
        raise ValueError(f"{path}: smpl_scaling must be one positive number, got {scaling}")
    for key, value in (("smpl_poses", poses), ("smpl_trans", trans)):
        check_finite(value, f"{path}: {key}")
    return Motion(poses.reshape(len(poses), 24, 3), trans / scaling[0], fps, SMPL24)


def write_aist_pkl(path: str | Path, motion: Motion, scaling: float = 1.0) -> Path:
    """Atomically write an AIST++-style pickle (float64 arrays; smpl_trans = metres * scaling).

    SMPLX55 motions are converted with `Motion.to_smpl24` first; the file stores no fps (60 assumed).
    """
    if not scaling > 0:
        raise ValueError(f"{path}: smpl_scaling must be > 0, got {scaling}")
    if motion.fps != AIST_FPS:
        logger.warning("%s: writing %.3f fps motion; AIST++ readers assume %g fps", path, motion.fps, AIST_FPS)
    smpl = motion.to_smpl24()
    data = {
        "smpl_poses": smpl.rotations.reshape(smpl.num_frames, 72).copy(),
        "smpl_trans": smpl.root_translation * scaling,
        "smpl_scaling": np.array([scaling], dtype=np.float64),
    }
    return atomic_write(path, lambda handle: pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL))
