"""SIGKILL at the moment a command writes its outputs: every file left at a final name is a complete file (the
earlier one or the new one), and rerunning the same command completes with exit 0.

`benchmark.run` (mace_dance on bundled sample items), `benchmark.evaluate` (a motion3d protocol on bundled sample
items) and the Motion Expert trainer run as subprocesses whose `os.replace` (the commit step of every atomic
write, models/files.py) kills the process just before or just after the n-th rename onto a given name. The
rerun is in-process. (`leaderboard submit` has its own kill tests: tests/leaderboard/test_submit_crash.py.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from benchmark.evaluate import main as evaluate_main
from benchmark.methods.diffusion import DanceDiffusionMethod
from benchmark.results import validate
from benchmark.run import main as run_main
from manifests.sample import SAMPLE_ROOT
from models.array_files import load_npy
from models.diffusion.checkpoint import read_checkpoint_meta
from models.diffusion.training import main as train_main
from models.registry import MODEL_KINDS, load_model
from tests.bad_inputs import make
from tests.golden import REPO

# Runs `python -m MODULE ARGV` with os.replace killing the process before/after its NTH rename onto a name ending
# in SUFFIX. benchmark.run's speed measurement (not under test: it writes nothing) is cut to 64 frames.
_KILLED = """
import os, runpy, signal, sys
suffix, nth, when, module, *argv = sys.argv[1:]
real_replace, hits = os.replace, []
def replace(source, target, *args, **kwargs):
    hit = str(target).endswith(suffix)
    hits.extend([target] if hit else [])
    if hit and len(hits) == int(nth) and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(source, target, *args, **kwargs)
    if hit and len(hits) == int(nth):
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
if module == "benchmark.run":
    from benchmark.methods.diffusion import DanceDiffusionMethod
    timing = DanceDiffusionMethod.timing
    DanceDiffusionMethod.timing = lambda self, items: timing(self, items, frames=64, batch=1)
sys.argv = [module, *argv]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""
ITEMS = ("s001", "s002")


def kill(module: str, argv: list[str], suffix: str, nth: int, when: str) -> None:
    """Run the command until its `nth` rename onto `*suffix` (`when` = before/after it) and SIGKILL it there."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny models: threads only add overhead on a shared machine
    done = subprocess.run([sys.executable, "-c", _KILLED, suffix, str(nth), when, module, *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180, check=False)  # fmt: skip
    assert done.returncode == -signal.SIGKILL, f"{module} was not killed at {when} {suffix} #{nth}:\n{done.stderr}"


def read_whole(path: Path) -> None:
    """Read a file the way its consumers do: raises when it is partial or corrupt."""
    suffix = path.suffix
    if suffix == ".json":
        json.loads(path.read_text())
    elif suffix == ".jsonl":
        [json.loads(line) for line in path.read_text().splitlines()]
    elif suffix == ".safetensors":
        load_file(str(path))
    elif suffix == ".png":
        with Image.open(path) as image:
            image.load()
    elif suffix == ".npy":
        load_npy(path)
    elif suffix == ".parquet":
        pq.read_table(path)
    else:
        raise AssertionError(f"{path}: an output of a kind this test does not know how to check")


def outputs(folder: Path) -> list[Path]:
    """Every file at a final name under `folder`, each read whole (temp files `.*.tmp` of a killed write are skipped)."""
    found = [p for p in sorted(folder.rglob("*")) if p.is_file() and not (p.name.startswith(".") and p.suffix == ".tmp")]
    for path in found:
        read_whole(path)
    return found


def sample_subset(folder: Path) -> Path:
    """Two bundled sample items (motion + real music) in the FineDance layout."""
    for clip in ITEMS:
        make.copy_of(SAMPLE_ROOT / "motion" / f"{clip}.npy", folder / "motion" / f"{clip}.npy")
        make.copy_of(SAMPLE_ROOT / "music" / f"{clip}.ogg", folder / "music" / f"{clip}.ogg")
    return folder


def dance_folder(folder: Path) -> Path:
    """Two sample motions with smooth 35-d music features (.npy): training data that loads in milliseconds."""
    (folder / "music").mkdir(parents=True)
    t = np.arange(120)[:, None]
    for k, clip in enumerate(ITEMS):
        make.copy_of(SAMPLE_ROOT / "motion" / f"{clip}.npy", folder / "motion" / f"{clip}.npy")
        np.save(folder / "music" / f"{clip}.npy", np.sin(t * (np.arange(35) + 1 + k) / 40).astype(np.float32))
    return folder


def training_argv(data: Path, out: Path, *extra: str) -> list[str]:
    """A tiny Motion Expert run: 6 steps, a checkpoint every 2."""
    return ["--data", str(data), "--out", str(out), "--steps", "6", "--save-every", "2", "--log-every", "1",
            "--batch-size", "2", "--width", "32", "--layers", "1", "--window", "32", "--stride", "8", "--no-progress",
            *extra]  # fmt: skip


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """The in-process reruns on one torch thread, like the killed subprocesses (tiny models, a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-step tiny Motion Expert (exported): mace_dance generates with it in a second instead of minutes."""
    root = tmp_path_factory.mktemp("tiny")
    export = root / "tiny.safetensors"
    argv = training_argv(dance_folder(root / "data"), root / "run", "--steps", "1", "--export", str(export))
    assert train_main(MODEL_KINDS["motion_expert"], argv) == 0
    return export


def _check_earlier_kept_then_new_complete(module: str, argv: list[str], out: Path, report_suffix: str) -> None:
    """Kill before the results rename (the earlier file stays), then after it, before a report PNG's rename."""
    earlier = make.earlier_output(out).read_bytes()
    kill(module, argv, out.name, 1, "before")
    assert out.read_bytes() == earlier
    outputs(out.parent)
    kill(module, argv, report_suffix, 2, "before")
    validate(json.loads(out.read_text()))
    assert [p.name for p in outputs(out.parent) if p.suffix == ".png"] == ["metrics.png"]


def test_benchmark_run_killed_while_writing(tmp_path: Path, tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out" / "results.json"
    argv = ["--method", "mace_dance", "--checkpoint", str(tiny_checkpoint), "--data", str(sample_subset(tmp_path / "data")),
            "--bootstrap", "10", "--out", str(out)]  # fmt: skip
    _check_earlier_kept_then_new_complete("benchmark.run", argv, out, ".png")
    timing = DanceDiffusionMethod.timing
    monkeypatch.setattr(DanceDiffusionMethod, "timing", lambda self, items: timing(self, items, frames=64, batch=1))
    assert run_main(argv) == 0
    validate(json.loads(out.read_text()))
    assert len([p for p in outputs(out.parent) if p.suffix == ".png"]) == 1 + len(ITEMS)


def test_benchmark_evaluate_killed_while_writing(tmp_path: Path) -> None:
    data, out = sample_subset(tmp_path / "data"), tmp_path / "out" / "results.json"
    argv = ["--protocol", "finedance3d@v1", "--gt", str(data / "motion"), "--pred", str(data / "motion"),
            "--music", str(data / "music"), "--bootstrap", "10", "--out", str(out)]  # fmt: skip
    _check_earlier_kept_then_new_complete("benchmark.evaluate", argv, out, ".png")
    assert evaluate_main(argv) == 0
    validate(json.loads(out.read_text()))
    assert len([p for p in outputs(out.parent) if p.suffix == ".png"]) == 1 + len(ITEMS)


def test_training_killed_while_checkpointing(tmp_path: Path) -> None:
    data, out, export = dance_folder(tmp_path / "data"), tmp_path / "run", tmp_path / "export" / "slim.safetensors"
    argv = training_argv(data, out, "--export", str(export))
    kill("models.motion_expert.train", argv, "last.safetensors", 2, "before")  # the step-4 checkpoint never lands
    assert read_checkpoint_meta(out / "last.safetensors").step == 2
    outputs(out)
    kill("models.motion_expert.train", argv, "loss.png", 1, "before")  # resumed, trained to the end, killed before the plot
    assert read_checkpoint_meta(out / "last.safetensors").step == 6 and not export.exists()
    outputs(out)
    assert train_main(MODEL_KINDS["motion_expert"], argv) == 0
    assert load_model(export).meta.step == 6
    assert [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()] == [1, 2, 3, 4, 5, 6]
    assert (out / "loss.png") in outputs(out)
