"""The layers point one way: a module never imports a layer above its own.

    base (paths, console, config_files, wording, quarto_vars, safe_output, processes)
      -> data -> stats -> findings -> charts -> metrics -> report -> gates -> cli

``levelup.report.render`` (the Quarto-compatible book engine) is a layer of its own that reads
only the base layer, so it knows nothing of data, findings or the build pipeline. Every
``levelup.<package>.cli`` module belongs to the command layer. docs/ARCHITECTURE.md draws the
diagram; this test is the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS: list[tuple[str, ...]] = [
    (
        "levelup",
        "levelup.paths",
        "levelup.console",
        "levelup.config_files",
        "levelup.wording",
        "levelup.processes",
        "levelup.quarto_vars",
        "levelup.safe_output",
    ),
    ("levelup.report.render",),
    ("levelup.data",),
    ("levelup.stats",),
    ("levelup.findings",),
    ("levelup.charts",),
    ("levelup.metrics",),
    ("levelup.report",),
    ("levelup.gates",),
    ("levelup.cli", "levelup.cli_options"),
]


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of ``module`` (the longest matching prefix wins)."""
    if module == "levelup.cli" or module.endswith(".cli"):
        return len(LAYERS) - 1
    best, best_length = None, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "levelup" and module.startswith(prefix + "."))
            if matches and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS")
    return best


def imported_modules(path: Path, module: str) -> set[str]:
    """Every ``levelup`` module ``path`` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "levelup"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.split(".")[0] == "levelup":
                found.add(name)
    return found


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted((SRC / "levelup").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    return out


def upward_imports(listing: list[tuple[str, Path]], root: Path = SRC) -> list[str]:
    problems = []
    for module, path in listing:
        own = layer_of(module)
        for target in sorted(imported_modules(path, module)):
            if layer_of(target) > own:
                problems.append(
                    f"{path.relative_to(root)}: {module} ({LAYERS[own][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]}), a higher layer"
                )
    return problems


def test_no_module_imports_a_higher_layer():
    assert upward_imports(modules()) == []


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("levelup.wording", "levelup"),
        ("levelup.quarto_vars", "levelup"),
        ("levelup.report.render.engine", "levelup.report.render"),
        ("levelup.report.build", "levelup.report"),
        ("levelup.findings.table", "levelup.findings"),
        ("levelup.data.cli", "levelup.cli"),
        ("levelup.metrics.registry", "levelup.metrics"),
    ],
)
def test_modules_are_placed_in_their_layer(module, layer):
    assert LAYERS[layer_of(module)][0] == layer


def test_an_upward_import_is_reported(tmp_path):
    """The rule can fail: a data module importing the report layer is caught, with file and
    both modules named; a relative import is resolved before it is judged."""
    package = tmp_path / "levelup" / "data"
    package.mkdir(parents=True)
    (package / "bad.py").write_text("from levelup.report.build import build\n")
    (package / "rel.py").write_text("from ..metrics import registry\n")
    (package / "fine.py").write_text("from levelup.paths import PROJECT_ROOT\n")
    listing = [
        ("levelup.data.bad", package / "bad.py"),
        ("levelup.data.rel", package / "rel.py"),
        ("levelup.data.fine", package / "fine.py"),
    ]
    assert upward_imports(listing, root=tmp_path) == [
        "levelup/data/bad.py: levelup.data.bad (levelup.data) imports levelup.report.build "
        "(levelup.report), a higher layer",
        "levelup/data/rel.py: levelup.data.rel (levelup.data) imports levelup.metrics "
        "(levelup.metrics), a higher layer",
    ]
