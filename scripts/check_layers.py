"""Check DESIGN.md's import layering over the suite's packages; exit 1 listing every import that runs against it.

`python scripts/check_layers.py [ROOT]`. Rules (an import is `importer -> imported`, by dotted prefix):
packages flow `leaderboard -> benchmark -> models <- curation`, everyone may import `manifests`,
`manifests` imports nothing of the suite and nothing imports `leaderboard`; inside the packages the
diffusion core imports no architecture or registry, metrics import nothing of the benchmark above them,
inputs no pipeline, and pipelines no command.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("leaderboard", "benchmark", "models", "curation", "manifests")
# package -> the other suite packages it may import
ALLOWED = {
    "leaderboard": {"benchmark", "models", "manifests"},
    "benchmark": {"models", "manifests"},
    "curation": {"models", "manifests"},
    "models": {"manifests"},
    "manifests": set(),
}
BENCHMARK_COMMANDS = ("benchmark.run", "benchmark.evaluate", "benchmark.appearance_scoring", "benchmark.vbench_crosscheck")
# (importer prefix, forbidden imported prefixes, why)
INNER_RULES = (
    ("models.diffusion", ("models.motion_expert", "models.edge", "models.appearance_expert", "models.registry"),
     "the diffusion core imports no architecture (models.registry hands it a ModelKind)"),
    ("benchmark.metrics", ("benchmark.inputs", "benchmark.pipelines", "benchmark.methods", "benchmark.reports",
                           "benchmark.protocols", "benchmark.results", "benchmark.cli", *BENCHMARK_COMMANDS),
     "metrics are pure math and import nothing of the benchmark above them"),
    ("benchmark.inputs", ("benchmark.pipelines", "benchmark.reports", *BENCHMARK_COMMANDS),
     "inputs are read before pipelines run"),
    ("benchmark.pipelines", BENCHMARK_COMMANDS, "pipelines do not import commands"),
)


@dataclass(frozen=True)
class Violation:
    """One import against the layering: where it is, what it imports and the rule it breaks."""

    path: Path
    line: int
    importer: str
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.rule})"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] if node.module else [f"{base}.{a.name}" for a in node.names]
            for name in names:
                yield node.lineno, name


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def check_import(importer: str, imported: str) -> str | None:
    """The broken rule's description for `importer -> imported`, or None when the import is allowed."""
    source, target = importer.split(".")[0], imported.split(".")[0]
    if target not in PACKAGES or source not in PACKAGES:
        return None
    if source != target and target not in ALLOWED[source]:
        return f"{source} may import only {', '.join(sorted(ALLOWED[source])) or 'nothing of the suite'}"
    for prefix, forbidden, why in INNER_RULES:
        if _within(importer, prefix) and any(_within(imported, f) for f in forbidden):
            return why
    return None


def find_violations(root: Path) -> list[Violation]:
    """Every import under ROOT's suite packages that runs against the layering."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = _module_name(root, path)
            for line, imported in _imports(path, module):
                rule = check_import(module, imported)
                if rule is not None:
                    found.append(Violation(path.relative_to(root), line, module, imported, rule))
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parents[1]
    violations = find_violations(root)
    for violation in violations:
        print(violation, file=sys.stderr)
    if violations:
        print(f"error: {len(violations)} import(s) against the layering in DESIGN.md", file=sys.stderr)
        return 1
    print(f"layering ok: {', '.join(PACKAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
