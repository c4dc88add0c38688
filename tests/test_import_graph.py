"""The shape of the code, enforced: no import cycles anywhere under studio/, the layers (ui -> core; inside
core, the explore/export order of docs/ARCHITECTURE.md), and the modules that must not load torch.

Every import counts: module-level, function-local and `if TYPE_CHECKING:` ones alike (a function-local
import is a cycle that only waits for its call). The graph is read from the source with `ast` — what
import-linter does with grimp, without a new dependency for ~80 lines of test.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@cache
def modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "studio").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """The studio modules `name` imports anywhere in its file (`from pkg import sub` counts as pkg.sub)."""
    mods = modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base)
    return {m for m in found if m in mods and m != name}


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(imports_of(name, path)) for name, path in modules().items()}


def cycles(g: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in g:
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_no_module_is_part_of_an_import_cycle():
    assert len(graph()) > 50  # the walk found the package
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    g = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert cycles(g) == [["a", "b", "c"]]


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


FORBIDDEN = [
    # (importer, imported): the importer's package must never import the other, not even in a function.
    ("studio.core", "studio.ui"),
    ("studio.core", "studio.cli"),
    ("studio.core", "studio.app"),
    ("studio.cli", "studio.ui"),
    ("studio.core.models", "studio.core.explore"),
    ("studio.core.training", "studio.core.explore"),
    ("studio.core.training", "studio.core.export"),
    ("studio.core.metrics", "studio.core.explore"),
    ("studio.core.data", "studio.core.training"),
    ("studio.core.images", "studio.core.explore"),
    ("studio.core.images", "studio.core.training"),
]

# Exploring and exporting, top to bottom: a module may import those below it, never those above.
EXPLORE_LAYERS = [
    ["studio.core.explore.artwork"],
    ["studio.core.explore.animate", "studio.core.explore.atlas", "studio.core.explore.inpaint",
     "studio.core.explore.nearest", "studio.core.explore.canvas", "studio.core.explore.variations"],
    ["studio.core.explore.projection"],
    ["studio.core.explore.render"],
    ["studio.core.explore.directions", "studio.core.explore.mixing", "studio.core.explore.features"],
    ["studio.core.export"],
    ["studio.core.explore.inpaint_record"],
    ["studio.core.explore.latents", "studio.core.explore.recipe"],
    ["studio.core.images", "studio.core.export_formats"],
]


# The Trainer and its parts, top to bottom: each part gets the state records, never the Trainer.
TRAINING_LAYERS = [
    ["studio.core.training.trainer"],
    ["studio.core.training.loop"],
    ["studio.core.training.quality"],
    ["studio.core.training.step", "studio.core.training.keeper", "studio.core.training.recovery"],
    ["studio.core.training.serialise"],
    ["studio.core.training.state"],
]


def upward(layers: list[list[str]], g: dict[str, frozenset[str]]) -> list[str]:
    rank = {m: i for i, layer in enumerate(layers) for m in layer}
    return [f"{a} (layer {rank[a]}) imports {b} (layer {rank[b]}), which sits above it"
            for a in rank for b in g.get(a, ()) if b in rank and rank[b] < rank[a]]


def test_layers():
    g = graph()
    broken = [f"{a} imports {b}" for a, deps in g.items() for b in deps
              for hi, lo in FORBIDDEN if within(a, hi) and within(b, lo)]
    ranked = {m for layer in EXPLORE_LAYERS for m in layer}
    explore = [m for m in g if within(m, "studio.core.explore") and m != "studio.core.explore"]
    assert sorted(set(explore) - ranked) == [], "place every explore module in EXPLORE_LAYERS"
    assert {m for layer in TRAINING_LAYERS for m in layer} <= set(g)
    broken += upward(EXPLORE_LAYERS, g) + upward(TRAINING_LAYERS, g)
    assert broken == []


# Modules that are read where torch must not be loaded: `studio --help`, the exporter's PNG reading.
TORCH_FREE = ["studio.cli", "studio.core.names", "studio.core.training.losses", "studio.core.images",
              "studio.core.explore.recipe", "studio.core.explore.inpaint_record", "studio.core.export",
              "studio.core.export_formats", "studio.core.training.config"]

CODE = """
import sys
from studio.__main__ import main
try:
    main(["--help"])
except SystemExit as e:
    assert e.code in (0, None), e.code
for name in sys.argv[1:]:
    __import__(name)
print("torch" in sys.modules)
"""


def test_help_and_the_light_modules_import_no_torch():
    r = subprocess.run([sys.executable, "-c", CODE, *TORCH_FREE], capture_output=True, text=True, timeout=120,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "usage: studio" in r.stdout and r.stdout.strip().splitlines()[-1] == "False", r.stdout[-500:]
