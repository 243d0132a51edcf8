"""Audit: every torch.load passes weights_only=True, np.load only in models/array_files.py (headers checked first)
and with allow_pickle=False, yaml only safe_load."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REQUIRED = {("torch", "load"): ("weights_only", True), ("np", "load"): ("allow_pickle", False),
            ("numpy", "load"): ("allow_pickle", False)}  # fmt: skip
FORBIDDEN = {("yaml", "load"), ("yaml", "unsafe_load"), ("yaml", "full_load"), ("pickle", "load"), ("pickle", "loads")}


def _calls(path: Path, names: set[tuple[str, str]]) -> list[str]:
    """`module.function(...)` calls in a file among `names`, as path:line."""
    return [f"{path.relative_to(REPO)}:{node.lineno} {node.func.value.id}.{node.func.attr}"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in names]


def _unsafe_calls(path: Path) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)):
            continue
        call = (node.func.value.id, node.func.attr)
        keywords = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        if call in FORBIDDEN or (call in REQUIRED and keywords.get(REQUIRED[call][0], None) is not REQUIRED[call][1]):
            bad.append(f"{path.relative_to(REPO)}:{node.lineno} {'.'.join(call)}")
    return bad


@pytest.mark.parametrize("package", ["models", "curation", "leaderboard", "benchmark"])
def test_every_loader_is_safe(package: str) -> None:
    assert [bad for path in sorted((REPO / package).rglob("*.py")) for bad in _unsafe_calls(path)] == []


def test_arrays_are_read_only_through_the_header_checked_reader() -> None:
    """A direct np.load would allocate whatever a file's header claims (10^9 rows: a terabyte)."""
    direct = [bad for package in ("models", "curation", "leaderboard", "benchmark")
              for path in sorted((REPO / package).rglob("*.py")) if path != REPO / "models" / "array_files.py"
              for bad in _calls(path, {("np", "load"), ("numpy", "load")})]
    assert direct == []
