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
