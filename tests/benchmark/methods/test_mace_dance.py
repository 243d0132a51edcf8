"""The `mace_dance` and `edge` benchmark methods on the bundled demo checkpoints."""

from __future__ import annotations

import pytest

from benchmark.methods import create_method
from benchmark.methods.base import TestItem as Item
from manifests.sample import SAMPLE_ROOT, load_sample_index
from models.command_line import InputError
from models.body.formats import load_motion
from tests.golden import REPO

EDGE_DEMO = REPO / "models" / "checkpoints" / "edge_demo.safetensors"


def _item(clip: str) -> Item:
    info = load_sample_index()[clip]
    gt = load_motion(SAMPLE_ROOT / info["motion"])
    return Item(clip, gt.num_frames, gt.fps, SAMPLE_ROOT / info["music"], info["genre"], gt)


@pytest.mark.parametrize("name", ["mace_dance", "edge"])
def test_demo_methods_generate_labelled_timed_motion(name: str) -> None:
    method = create_method(name, sampling_steps=4)
    assert "demo, not a reproduction" in method.label
    assert method.checkpoint_sha256 and len(method.checkpoint_sha256) == 64
    assert method.config["diffusion"]["sampling_steps"] == 4
    item = _item("s013")
    motions = method.generate([item], seed=0)
    assert motions["s013"].num_frames == item.num_frames and motions["s013"].fps == item.fps
    timing = method.timing([item], frames=64, batch=8)
    assert timing["latency_fps"] > 0 and timing["throughput_batch"] == 2 and timing["latency_frames"] == 64
    assert timing["backend"] == ("mamba:compiled" if name == "mace_dance" else "torch")


def test_method_rejects_a_checkpoint_of_the_other_model() -> None:
    with pytest.raises(ValueError, match="edge checkpoint, but this method needs a motion_expert"):
        create_method("mace_dance", checkpoint=str(EDGE_DEMO))
    with pytest.raises(InputError, match="nowhere.safetensors: no such file"):
        create_method("edge", checkpoint="nowhere.safetensors")
