"""Where the tests' fixtures live and how a golden reference output is read (one helper for every test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden"  # inputs and outputs of the reference metric code (copied from shared/golden)
SHARED_ASSETS = REPO.parent / "shared" / "assets"


def golden_json(*parts: str) -> Any:
    """A golden reference JSON under tests/fixtures/golden, e.g. golden_json("caseF", "golden_lodge_caseF.json")."""
    return json.loads(GOLDEN.joinpath(*parts).read_text())
