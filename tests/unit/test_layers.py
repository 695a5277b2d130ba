"""The layers of docs/architecture.md, checked on the code's own imports (module level and inside
functions alike): who may import whom, and no import cycle anywhere in the product."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Doors: each one a feature package, never importing another.
FEATURES = ("api", "kiosk", "display", "counters", "admin", "scheduler", "tracking", "webform")
# Infrastructure adapters, like python-escpos: they know nothing of Guichet.
ADAPTERS = ("printer", "mailer")
PRODUCT = ("guichet", *FEATURES, *ADAPTERS)
FRAMEWORKS = ("flask", "flask_babel", "flask_socketio", "werkzeug", "jinja2")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _product_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).is_dir() else []:
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            files[_module_name(path)] = path
    return files


FILES = _product_files()


def _imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports, resolved to absolute names (relative imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from . import x` and `from pkg import module` import those modules; the package itself
            # counts only when a name it defines is taken from it.
            submodules = {f"{target}.{alias.name}" for alias in node.names} & FILES.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in FILES.items()}


def _top(module: str) -> str:
    return module.split(".")[0]


def _in(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _violations(source_prefixes: tuple[str, ...], allowed) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for name, targets in GRAPH.items():
        if not _in(name, *source_prefixes):
            continue
        for target in sorted(targets):
            if not allowed(name, target):
                out.append(f"{name} imports {target}")
    return out


def _stdlib(module: str) -> bool:
    return _top(module) in sys.stdlib_module_names or module == "__future__"


def test_the_core_imports_nothing_but_the_standard_library_and_itself() -> None:
    bad = _violations(("guichet.core",), lambda _n, t: _stdlib(t) or _in(t, "guichet.core"))
    assert bad == [], bad


def test_services_models_and_the_core_never_import_the_web_or_a_framework() -> None:
    web = ("guichet.web", "guichet.app", *FEATURES, *FRAMEWORKS)
    bad = _violations(("guichet.core", "guichet.models", "guichet.services"), lambda _n, t: not _in(t, *web))
    assert bad == [], bad


def test_the_shared_web_toolkit_knows_no_door() -> None:
    bad = _violations(("guichet.web",), lambda _n, t: not _in(t, *FEATURES, "guichet.app"))
    assert bad == [], bad


def test_feature_packages_never_import_each_other() -> None:
    bad = _violations(FEATURES, lambda n, t: not (_in(t, *FEATURES) and _top(t) != _top(n)))
    assert bad == [], bad


def test_adapters_know_nothing_of_guichet() -> None:
    bad = _violations(ADAPTERS, lambda n, t: not (_in(t, *PRODUCT) and _top(t) != _top(n)))
    assert bad == [], bad


def test_only_the_factory_and_the_cli_know_the_feature_packages() -> None:
    allowed_places = ("guichet.app", *FEATURES)
    bad = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if not _in(name, *allowed_places)
        for target in targets
        if _in(target, *FEATURES)
    ]
    assert bad == [], bad


def test_no_import_cycle_between_product_modules() -> None:
    """Tarjan's strongly connected components over the module graph: every one must be a single module."""
    edges = {n: {t for t in ts if t in GRAPH and t != n} for n, ts in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert cycles == [], cycles


@pytest.mark.parametrize("layer", ["guichet.core", "guichet.services", "guichet.web", *FEATURES])
def test_each_layer_is_read_by_this_test(layer: str) -> None:
    # A typo in a package list above would make the checks pass vacuously.
    assert any(_in(name, layer) for name in GRAPH), f"no module found under {layer}"
