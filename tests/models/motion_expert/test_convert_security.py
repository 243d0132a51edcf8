"""The checkpoint converter never runs code from the file: hostile `torch.save` payloads are refused by name."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest
import torch

from models.motion_expert.convert import convert, main


class _Payload:
    """Unpickling this object would run `call(arg)`."""

    def __init__(self, call, arg: str) -> None:
        self.call, self.arg = call, arg

    def __reduce__(self):
        return self.call, (self.arg,)


def _hostile(tmp_path: Path, call, protocol: int) -> tuple[Path, Path]:
    marker = tmp_path / "MARKER"
    arg = f"touch {marker}" if call is os.system else f"open({str(marker)!r}, 'w')"
    path = tmp_path / f"evil-{protocol}.pt"
    torch.save({"model_state_dict": {"w": torch.zeros(2)}, "normalizer": _Payload(call, arg)}, path,
               pickle_protocol=protocol)
    return path, marker


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize(("call", "name"), [(os.system, "system"), (builtins.exec, "builtins.exec")])
def test_hostile_checkpoint_is_refused_by_name(tmp_path: Path, protocol: int, call, name: str) -> None:
    path, marker = _hostile(tmp_path, call, protocol)
    with pytest.raises(ValueError) as error:
        convert(path, tmp_path / "out.safetensors")
    message = str(error.value)
    assert "\n" not in message and str(path) in message and f"refused pickle global" in message and name in message
    assert not marker.exists() and not (tmp_path / "out.safetensors").exists()


def test_cli_reports_refusal_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, marker = _hostile(tmp_path, builtins.exec, 4)
    assert main([str(path), "--out", str(tmp_path / "out.safetensors")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "evil-4.pt" in err and "builtins.exec" in err
    assert not marker.exists()
