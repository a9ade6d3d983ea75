"""The import direction  derive <- numerics <- derivations <- tests, read from the source with ``ast``.

* derive/ is SymPy only: no numerics, derivations, numpy, scipy or mpmath;
* numerics/ never imports derivations, and only numerics/bridge.py imports sympy;
* importing ``derive`` loads neither NumPy nor SciPy.
"""
import ast
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def imported_modules(source: str, path: pathlib.PurePath) -> set[str]:
    """Every module a file imports (anywhere in it: top level, functions, try blocks).

    Relative imports are resolved against the file's package; ``importlib.import_module``
    and ``__import__`` with a literal name count as imports too.
    """
    package = list(path.parent.parts)
    found = set()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                head = ".".join(base + ([node.module] if node.module else []))
                found.add(head)
                if not node.module:  # from . import x  ->  package.x
                    found.update(f"{head}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("import_module", "__import__"):
                found.add(node.args[0].value)
    return found


def top_levels(modules) -> set[str]:
    return {m.split(".")[0] for m in modules}


def package_files(package: str):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return files


def imports_of(path: pathlib.Path) -> set[str]:
    rel = path.relative_to(ROOT)
    return imported_modules(path.read_text(encoding="utf-8"), rel)


def offenders(package: str, forbidden: set[str], allow=()) -> dict:
    out = {}
    for path in package_files(package):
        rel = path.relative_to(ROOT).as_posix()
        if rel in allow:
            continue
        bad = top_levels(imports_of(path)) & forbidden
        if bad:
            out[rel] = sorted(bad)
    return out


# ------------------------------------------------------------------ the collector itself

def test_collector_sees_every_form_of_import():
    src = textwrap.dedent("""
        import os, numpy as np
        from scipy import special
        from .bridge import to_mpmath
        from .. import derivations
        from . import precision
        def f():
            import mpmath
            try:
                from sympy.core import Expr
            except ImportError:
                pass
            return importlib.import_module("derivations.registry"), __import__("json")
    """)
    found = imported_modules(src, pathlib.PurePath("numerics/sub/mod.py"))
    assert found >= {"os", "numpy", "scipy", "numerics.sub.bridge", "numerics", "numerics.derivations",
                     "numerics.sub.precision", "mpmath", "sympy.core", "derivations.registry", "json"}
    assert "sys" not in found


def test_collector_finds_the_known_edges():
    """Guard against a collector that silently finds nothing."""
    compare = imports_of(ROOT / "derivations/engine/compare.py")
    assert {"numerics.bridge", "derive.spectral", "derive.equations", "sympy"} <= compare
    assert "sympy" in top_levels(imports_of(ROOT / "numerics/bridge.py"))
    assert "numerics.precision" in imports_of(ROOT / "numerics/bridge.py")
    assert "sympy" in top_levels(imports_of(ROOT / "derive/operations.py"))


# ------------------------------------------------------------------ the rules

def test_derive_is_sympy_only():
    assert offenders("derive", {"numerics", "derivations", "numpy", "scipy", "mpmath"}) == {}


def test_numerics_never_imports_derivations():
    assert offenders("numerics", {"derivations"}) == {}


def test_only_the_bridge_imports_sympy_in_numerics():
    assert offenders("numerics", {"sympy"}, allow={"numerics/bridge.py"}) == {}


def test_derivations_does_not_import_tests():
    assert offenders("derivations", {"tests", "pytest", "conftest"}) == {}
    assert offenders("numerics", {"tests", "pytest", "conftest"}) == {}
    assert offenders("derive", {"tests", "pytest", "conftest"}) == {}


@pytest.mark.parametrize("module", ["derive", "derive.operations", "derive.spectral", "derive.latex"])
def test_importing_derive_loads_no_numpy_or_scipy(module):
    code = (f"import sys, {module}\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'scipy', 'numerics', 'derivations'))\n"
            "print(bad)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# ------------------------------------------------------------------ the layout of derivations/
#: the theory areas: sub-packages of derivations/ with a face (their __init__) and no other way in
AREAS = ("spectra", "ridge", "random_features", "dmft", "online_sgd", "empirical")
#: function-level imports of derivations.* that are allowed, each with its reason (module -> imported)
LAZY_ALLOWED: set = set()      # none needed today (lazy optional dependencies such as matplotlib are not derivations.*)
#: reading order inside an area: a module may import only modules of its own area with a lower rank
RANKS = (("steps", 0), ("theory", 1), ("checks", 2), ("laws", 3), ("law", 3), ("figures", 4))


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(name: str, known: set) -> str | None:
    """The module of the tree that ``name`` (a module or ``module.attribute``) refers to, or None."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_edges(source: str, path: pathlib.PurePath, top_level_only: bool = False):
    """(imported name, line, at top level) for every import of the file; ``from a import b`` gives ``a`` and
    ``a.b`` (each resolved later to the nearest module of the tree: ``a.b`` if it is a module, else ``a``)."""
    package = list(path.parent.parts) if path.name != "__init__.py" else list(path.parent.parts)
    tree = ast.parse(source, filename=str(path))
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
              for n in ast.walk(f) if n is not f}
    out = []
    for node in ast.walk(tree):
        top = id(node) not in nested
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno, top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module
            # ``from pkg import sub`` runs pkg's __init__ first: an edge to pkg itself, and to pkg.sub if it is a module
            out.append((base, node.lineno, top))
            out.extend((f"{base}.{alias.name}", node.lineno, top) for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            if (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) in ("import_module", "__import__"):
                out.append((node.args[0].value, node.lineno, top))
    return out


def derivations_graph():
    """module -> {(imported module of derivations/, line, at top level)} for every module of derivations/."""
    files = {module_name(p): p for p in package_files("derivations")}
    known = set(files)
    graph = {}
    for name, path in files.items():
        edges = set()
        for imported, line, top in import_edges(path.read_text(encoding="utf-8"), path.relative_to(ROOT)):
            target = resolve(imported, known) if imported.split(".")[0] == "derivations" else None
            if target and target != name:
                edges.add((target, line, top))
        graph[name] = edges
    return graph


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def rank_of(module: str) -> int | None:
    last = module.rsplit(".", 1)[-1]
    for suffix, rank in RANKS:
        if last == suffix or last.endswith("_" + suffix):
            return rank
    return None


def find_cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w, _, _ in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_planted_circle():
    graph = {"a": {("b", 1, True)}, "b": {("c", 1, True)}, "c": {("a", 1, True)}, "d": {("a", 1, True)}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {("b", 1, True)}, "b": set()}) == []


def test_graph_sees_the_known_edges():
    graph = derivations_graph()
    targets = lambda module: {t for t, _, _ in graph[module]}      # noqa: E731
    assert "derivations.ridge" in targets("derivations.random_features.theory")       # through the face
    assert "derivations.random_features.steps" in targets("derivations.random_features.theory")
    assert "derivations.ridge.steps" in targets("derivations.ridge")
    assert "derivations.engine.laws" in targets("derivations.cli")
    # ``from pkg import sub`` is an edge to pkg as well: its __init__ runs first
    planted = import_edges("from derivations.ridge import steps\n", pathlib.PurePath("derivations/ridge/theory.py"))
    assert {name for name, _, _ in planted} == {"derivations.ridge", "derivations.ridge.steps"}


def test_no_import_circle_in_derivations():
    assert find_cycles(derivations_graph()) == []


def test_engine_and_registry_import_no_area():
    graph = derivations_graph()
    bad = {m: sorted({t for t, _, _ in edges if area_of(t)}) for m, edges in graph.items()
           if (m.startswith("derivations.engine") or m == "derivations.registry")}
    assert {m: t for m, t in bad.items() if t} == {}


def test_areas_meet_only_through_their_faces():
    graph = derivations_graph()
    bad = sorted(f"{m}:{line} -> {t}" for m, edges in graph.items() for t, line, _ in edges
                 if area_of(t) and area_of(t) != area_of(m) and t != f"derivations.{area_of(t)}")
    assert bad == []


def test_areas_read_bottom_up():
    """Inside an area a module imports only modules of lower rank (steps < theory < checks < laws < figures),
    and no module but the face imports the face."""
    graph = derivations_graph()
    bad = []
    for m, edges in graph.items():
        for t, line, _ in edges:
            if area_of(m) is None or area_of(t) != area_of(m):
                continue
            face = f"derivations.{area_of(m)}"
            if t == face and m != face:
                bad.append(f"{m}:{line} imports its own face")
            rm, rt = rank_of(m), rank_of(t)
            if rm is not None and rt is not None and rt > rm:
                bad.append(f"{m}:{line} -> {t}")
    assert sorted(bad) == []


def test_no_function_level_import_of_derivations():
    graph = derivations_graph()
    lazy = sorted(f"{m}:{line} -> {t}" for m, edges in graph.items() for t, line, top in edges
                  if not top and (m, t) not in LAZY_ALLOWED)
    assert lazy == []


def test_tests_import_no_private_module():
    known = {module_name(p) for pkg in ("derive", "numerics", "derivations") for p in package_files(pkg)}
    bad = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for imported, line, _ in import_edges(path.read_text(encoding="utf-8"), path.relative_to(ROOT)):
            target = resolve(imported, known) if imported.split(".")[0] in ("derive", "numerics", "derivations") else None
            if target and any(part.startswith("_") and part not in ("__init__", "__main__")
                              for part in target.split(".")):
                bad.append(f"{path.relative_to(ROOT)}:{line} -> {target}")
    assert bad == []


def test_every_area_has_a_face_with_its_public_api():
    for area in AREAS:
        face = ROOT / "derivations" / area / "__init__.py"
        tree = ast.parse(face.read_text(encoding="utf-8"))
        names = {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                 for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
        assert "__all__" in names, f"derivations/{area}/__init__.py has no __all__"
        assert ast.get_docstring(tree), f"derivations/{area}/__init__.py has no docstring"


def test_no_module_of_derivations_is_overlong():
    long = {module_name(p): n for p in package_files("derivations")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 520}
    assert long == {}
