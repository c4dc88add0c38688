"""The shape of the code, enforced: no import cycles anywhere under studio/, no two packages that import
each other, and the modules that must not load torch. The layers themselves are import-linter contracts in
pyproject.toml (tests/test_import_contracts.py).

Every import counts: module-level, function-local and `if TYPE_CHECKING:` ones alike (a function-local
import is a cycle that only waits for its call). The graph is read from the source with `ast`.
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


# The modules directly in these packages are units of their own (siblings in the layers: studio.app,
# studio.core.export, studio.core.images...); elsewhere a module belongs to its folder (studio.ui.widgets).
CONTAINERS = ("studio", "studio.core")


def unit(name: str) -> str:
    """The package `name` belongs to when counting packages that import each other."""
    if modules()[name].name == "__init__.py":
        return name
    parent = name.rpartition(".")[0]
    return name if parent in CONTAINERS else parent


def package_pairs(g: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    """Pairs of packages that import each other (each through some module), sorted: a cycle between two
    packages that no module-level cycle shows (`a.x -> b.y`, `b.z -> a.w`)."""
    edges = {(unit(a), unit(b)) for a, deps in g.items() for b in deps if unit(a) != unit(b)}
    return sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})


def test_no_two_packages_import_each_other():
    assert package_pairs(graph()) == []


def test_the_pair_finder_finds_two_packages_importing_each_other():
    g = {"studio.core.explore.render": frozenset({"studio.core.export"}),
         "studio.core.export": frozenset({"studio.core.explore.latents"}),
         "studio.core.explore.latents": frozenset(), "studio.ui.main_window": frozenset({"studio.ui.base.threads"})}
    assert package_pairs(g) == [("studio.core.explore", "studio.core.export")]


# Modules that are read where torch must not be loaded: `studio --help`, the exporter's PNG reading.
TORCH_FREE = ["studio.cli", "studio.core.names", "studio.core.training.losses", "studio.core.images",
              "studio.core.formats.recipe", "studio.core.formats.inpaint_record", "studio.core.formats.png_recipe",
              "studio.core.formats.metrics_rows", "studio.core.export",
              "studio.core.export_formats", "studio.core.training.config", "studio.core.models.registry"]

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
