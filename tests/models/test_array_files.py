"""Array files are checked from their headers: sizes that cannot be true, or are over the limit, are refused before allocation."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from models.array_files import load_npy, load_npz, npy_header
from models.command_line import InputError
from tests.bad_inputs.make import npy_claiming, random_bytes


def test_a_real_array_round_trips(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
    np.save(tmp_path / "a.npy", data)
    assert np.array_equal(load_npy(tmp_path / "a.npy"), data)
    assert npy_header(tmp_path / "a.npy") == ((12, 3), np.dtype(np.float32))
    assert isinstance(load_npy(tmp_path / "a.npy", mmap=True), np.memmap)


def test_a_billion_row_header_is_refused_at_once(tmp_path: Path) -> None:
    path = npy_claiming(tmp_path / "big.npy", (10**9, 72))
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"big.npy: header declares a 1000000000x72 float64 array of 536 GiB, over the 8 GiB limit"):
        load_npy(path)
    assert time.perf_counter() - start < 1.0


def test_a_truncated_array_is_refused_under_the_limit(tmp_path: Path) -> None:
    path = npy_claiming(tmp_path / "t.npy", (1000, 3), payload=80)
    with pytest.raises(InputError, match=r"t.npy: truncated: its header declares shape \(1000, 3\) float64 \(24000 bytes\) but the file holds 80"):
        load_npy(path)


def test_the_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    np.save(tmp_path / "a.npy", np.zeros((100, 10)))
    monkeypatch.setenv("MACE_MAX_ARRAY_BYTES", "4000")
    with pytest.raises(InputError, match="over the 3.73e-06 GiB limit"):
        load_npy(tmp_path / "a.npy")
    monkeypatch.setenv("MACE_MAX_ARRAY_BYTES", "lots")
    with pytest.raises(InputError, match=r"\$MACE_MAX_ARRAY_BYTES: expected a number > 0, got 'lots'"):
        load_npy(tmp_path / "a.npy")


def test_object_arrays_and_garbage_are_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="holds Python objects"):
        load_npy(tmp_path / "o.npy")
    with pytest.raises(InputError, match="not a readable .npy array"):
        load_npy(random_bytes(tmp_path / "r.npy"))
    with pytest.raises(InputError, match="not a readable .npz archive"):
        load_npz(random_bytes(tmp_path / "r.npz"))


def test_npz_members_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    np.savez_compressed(tmp_path / "z.npz", positions=np.zeros((50, 24, 3)), names=np.array(["a", "b"]))
    assert load_npz(tmp_path / "z.npz")["positions"].shape == (50, 24, 3)
    monkeypatch.setenv("MACE_MAX_ARRAY_BYTES", "1000")
    with pytest.raises(InputError, match=r"z.npz:positions.npy: header declares"):
        load_npz(tmp_path / "z.npz")
