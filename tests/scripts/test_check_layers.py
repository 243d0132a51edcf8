"""The layering check passes on the real tree and fails, naming the file and rule, on deliberately wrong imports."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden import REPO

SCRIPT = REPO / "scripts" / "check_layers.py"
spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
check_layers = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = check_layers  # dataclasses look their module up here
spec.loader.exec_module(check_layers)


def test_the_suite_follows_the_layering() -> None:
    assert check_layers.find_violations(REPO) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in check_layers.PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "source", "rule"),
    [
        ("manifests/bad.py", "from models.files import atomic_write\n", "manifests may import only nothing"),
        ("models/bad.py", "import benchmark.results\n", "models may import only manifests"),
        ("benchmark/bad.py", "from leaderboard import store\n", "benchmark may import only"),
        ("curation/bad.py", "from benchmark.results import validate\n", "curation may import only"),
        ("models/diffusion/bad.py", "from models.edge.model import Edge\n", "imports no architecture"),
        ("models/diffusion/lazy.py", "def f():\n    from models.registry import MODEL_KINDS\n", "imports no architecture"),
        ("benchmark/metrics/bad.py", "from ..pipelines.common import assemble_results\n", "pure math"),
        ("benchmark/pipelines/bad.py", "from benchmark.evaluate import main\n", "do not import commands"),
    ],
)
def test_a_wrong_import_is_reported(tmp_path: Path, name: str, source: str, rule: str) -> None:
    root = _tree(tmp_path, {name: source})
    [violation] = check_layers.find_violations(root)
    assert violation.path == Path(name) and rule in violation.rule, violation


def test_allowed_imports_pass(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "leaderboard/ok.py": "from benchmark.results import validate\nimport json\n",
        "curation/ok.py": "from models.files import atomic_write\nfrom manifests.schema import x\n",
        "benchmark/metrics/ok.py": "from benchmark.metrics.gaussian import psd_sqrt\nfrom models.vision import clip\n",
    })
    assert check_layers.find_violations(root) == []


def test_the_command_exits_1_listing_the_violation(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"manifests/bad.py": "import curation.build\n"})
    result = subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "manifests/bad.py:1: manifests.bad imports curation.build" in result.stderr
