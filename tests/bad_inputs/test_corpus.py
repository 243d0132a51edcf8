"""The corpus as a whole: at least 60 cases, every command covered, every case named once."""

from __future__ import annotations

import importlib
from collections import Counter

from tests.bad_inputs.corpus import Case

GROUPS = ("evaluate", "appearance_scoring", "run", "model_clis", "curation", "leaderboard", "training")
COMMANDS = {  # every command a user runs, by the module whose main the corpus calls
    "benchmark.run", "benchmark.evaluate", "benchmark.appearance_scoring", "benchmark.vbench_crosscheck",
    "curation.build", "curation.validate", "curation.bundled_sample", "leaderboard", "models.motion_expert.train",
    "models.edge.train", "models.appearance_expert.train", "models.vision.lpips_packaged",
    "models.motion_expert.convert", "models.appearance_expert.convert", "models.appearance_expert.generate",
}


def all_cases() -> list[Case]:
    return [case for group in GROUPS for case in importlib.import_module(f"tests.bad_inputs.test_{group}").CASES]


def test_the_corpus_has_at_least_60_cases_over_every_command() -> None:
    cases = all_cases()
    assert len(cases) >= 60, len(cases)
    covered = {case.command for case in cases}
    assert COMMANDS <= covered, sorted(COMMANDS - covered)
    assert {case.code for case in cases} == {1, 2}  # both kinds of error are exercised


def test_case_ids_are_unique() -> None:
    counts = Counter(case.id for case in all_cases())
    assert not [name for name, n in counts.items() if n > 1]
