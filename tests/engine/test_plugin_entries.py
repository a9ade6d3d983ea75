"""A result of one's own joins the catalogue through the entry-point group ``derivations.entries``.

A tiny package (one module defining ``build()``, ``TITLE`` and ``SOURCE``) is made installed by putting it
and its ``.dist-info`` (METADATA and entry_points.txt, as pip writes them) on ``PYTHONPATH``; then the
command line lists, shows, verifies and exports it like a built-in entry.
"""
import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

TOY = textwrap.dedent('''
    """A user's result: the derivative of x**n, derived and checked."""
    import sympy as sp

    from derive.operations import transform
    from derivations.engine import CheckResult, Derivation, Source

    TITLE = "Power rule"
    SOURCE = Source("none", "Newton", "1687", "Principia")
    x, n = sp.symbols("x n", positive=True)


    def build():
        d = Derivation("toy-power-rule", TITLE, SOURCE)
        d.define("power", "A power", "The function.", sp.Eq(sp.Function("f")(x), x ** n))
        d.derive("derivative", "Its derivative", "Differentiate (power).",
                 transform("power", lambda p: sp.Eq(sp.Derivative(p.lhs, x), sp.diff(p.rhs, x)), "d/dx of (power)"))

        @d.check("at-two", "numeric", "the derivative at n = 2, x = 3 is 6")
        def _(quick, executor=None):
            value = float(d["derivative"].rhs.subs({n: 2, x: 3}))
            return [CheckResult("at-two", "numeric", value == 6.0, 6.0, value, 0.0, "exact")]
        return d
''')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "toy_power_rule.py").write_text(TOY, encoding="utf-8")
    info = root / "toy_power_rule-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-power-rule\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[derivations.entries]\ntoy-power-rule = toy_power_rule\n",
                                           encoding="utf-8")
    return root


def cli(site, *args):
    env = {"PYTHONPATH": f"{site}:{ROOT}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "derivations", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_registered_entry_is_listed_shown_and_verified(site):
    listed = cli(site, "list")
    assert listed.returncode == 0, listed.stderr
    assert "toy-power-rule" in listed.stdout and "Power rule" in listed.stdout
    shown = cli(site, "show", "toy-power-rule")
    assert shown.returncode == 0 and "derivative" in shown.stdout
    verified = cli(site, "verify", "toy-power-rule", "--json")
    assert verified.returncode == 0, verified.stderr
    (entry,) = json.loads(verified.stdout)["derivations"]
    assert entry["name"] == "toy-power-rule" and entry["passed"]
    assert {c["name"]: c["passed"] for c in entry["checks"]} == {
        "step power: well-formed": True, "step derivative: replay": True, "at-two": True}
    latex = cli(site, "latex", "toy-power-rule")
    assert latex.returncode == 0 and "\\begin{document}" in latex.stdout


def test_without_the_package_the_name_is_unknown(tmp_path):
    r = cli(tmp_path, "show", "toy-power-rule")
    assert r.returncode == 2 and "unknown" in r.stderr


def test_a_plugin_cannot_take_a_built_in_name(site, tmp_path):
    info = tmp_path / "clash-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: clash\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[derivations.entries]\nridge-regression = toy_power_rule\n",
                                           encoding="utf-8")
    r = cli(f"{tmp_path}:{site}", "list")
    assert r.returncode != 0 and "built-in entry" in r.stderr
